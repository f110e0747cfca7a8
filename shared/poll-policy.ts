/**
 * How the pipeline polls the provider. Pure values and functions: the poll task uses them at run time,
 * and the state machine (infra) derives its whole-execution timeout from them.
 */
export const POLL_POLICY = {
  /** First wait after the job is created. */
  initialWaitSeconds: 5,
  /** Each wait is the previous one times this, before jitter. */
  growthFactor: 1.5,
  /** No wait is longer than this, before honouring a provider's retry-after. */
  maxWaitSeconds: 60,
  /** Jitter spreads each wait uniformly over [base × (1 − j), base × (1 + j)]. */
  jitterRatio: 0.2,
  /** The provider's retry-after is honoured up to this many seconds. */
  maxRetryAfterSeconds: 120,
  /** After this many polls the video fails as `timed_out`. */
  maxPolls: 150,
} as const;

/** The un-jittered wait before poll number `polls + 1` (`polls` made so far). */
export function baseWaitSeconds(polls: number, policy = POLL_POLICY): number {
  const grown = policy.initialWaitSeconds * policy.growthFactor ** Math.max(0, polls);
  return Math.min(policy.maxWaitSeconds, grown);
}

/**
 * The wait before the next poll: grown, capped, jittered, and never shorter than the provider's retry-after.
 * @param random a number in [0, 1), injectable for tests
 */
export function nextWaitSeconds(
  polls: number,
  options: { retryAfterSeconds?: number; random?: () => number } = {},
  policy = POLL_POLICY,
): number {
  const random = options.random ?? Math.random;
  const base = baseWaitSeconds(polls, policy);
  const jittered = base * (1 - policy.jitterRatio + 2 * policy.jitterRatio * random());
  const retryAfter = Math.min(options.retryAfterSeconds ?? 0, policy.maxRetryAfterSeconds);
  return Math.max(1, Math.ceil(Math.max(jittered, retryAfter)));
}

/** The longest the polling loop can wait in total, in seconds (every wait at its jittered maximum). */
export function maxTotalWaitSeconds(policy = POLL_POLICY): number {
  let total = 0;
  for (let polls = 0; polls < policy.maxPolls; polls++) {
    total += Math.ceil(baseWaitSeconds(polls, policy) * (1 + policy.jitterRatio));
  }
  return total;
}

/**
 * How CreateGenerationJob meets a provider that answers 429 (rate limited): the execution waits in
 * WaitForProviderRateLimit (the provider's retry-after, else a growing wait; capped, jittered) and creates again, at
 * most `maxWaits` times, before the video fails as `provider_rate_limited`. The waits are Wait states, not Task
 * retries: a rate limit is the provider saying "later", not a fault, and it does not use up the transient retries.
 */
export const RATE_LIMITED_CREATE_POLICY = {
  /** Rate-limited creates waited out before the video fails. */
  maxWaits: 10,
  /** First wait when the provider gives no retry-after. */
  initialWaitSeconds: 5,
  /** Each wait is the previous one times this (no retry-after). */
  growthFactor: 2,
  /** No wait is longer than this, whatever retry-after says. */
  maxWaitSeconds: 60,
  /** Jitter adds up to this share of the wait, so videos limited together do not come back together. */
  jitterRatio: 0.2,
} as const;

/**
 * The wait after the `waits + 1`-th rate-limited create: retry-after when the provider gave one, else a growing
 * wait; capped; then jittered upwards (never sooner than retry-after).
 * @param random a number in [0, 1), injectable for tests
 */
export function rateLimitedWaitSeconds(
  waits: number,
  options: { retryAfterSeconds?: number; random?: () => number } = {},
  policy = RATE_LIMITED_CREATE_POLICY,
): number {
  const random = options.random ?? Math.random;
  const grown = policy.initialWaitSeconds * policy.growthFactor ** Math.max(0, waits);
  const base = Math.min(policy.maxWaitSeconds, options.retryAfterSeconds ?? grown);
  return Math.max(1, Math.ceil(base * (1 + policy.jitterRatio * random())));
}

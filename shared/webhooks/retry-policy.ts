/*
 * How long and how often a webhook delivery is tried. Plain data and pure functions (no imports): infra derives the
 * delivery state machine's timeout from it, and the delivery function picks each wait with it.
 */

/** The delivery retry policy. */
export const WEBHOOK_RETRY_POLICY = {
  /** The wait after the first failed attempt, before jitter. */
  firstDelaySeconds: 30,
  /** Each wait is this many times the previous one... */
  backoffRate: 2,
  /** ...up to this. */
  maxDelaySeconds: 3600,
  /** No attempt is made later than this after the event: then the delivery has failed. */
  windowSeconds: 24 * 3600,
  /** An endpoint whose every attempt failed for this long is disabled. */
  disableAfterSeconds: 3 * 24 * 3600,
  /** One attempt's bound (connect, send, answer). */
  attemptTimeoutMs: 10_000,
} as const;

/**
 * The wait before attempt `failedAttempts + 1`: exponential and capped, with "equal jitter" (half fixed, half random)
 * so that endpoints failing together do not retry in step, while the wait still grows with each failure.
 */
export function redeliveryDelaySeconds(
  failedAttempts: number,
  random: () => number = Math.random,
  policy: typeof WEBHOOK_RETRY_POLICY = WEBHOOK_RETRY_POLICY,
): number {
  const exponent = Math.max(0, failedAttempts - 1);
  const base = Math.min(policy.maxDelaySeconds, policy.firstDelaySeconds * policy.backoffRate ** exponent);
  return Math.max(1, Math.round(base / 2 + random() * (base / 2)));
}

/** The delivery workflow's whole-execution timeout: the retry window, one more wait and attempt, and some margin. */
export function deliveryExecutionTimeoutSeconds(policy: typeof WEBHOOK_RETRY_POLICY = WEBHOOK_RETRY_POLICY): number {
  return policy.windowSeconds + policy.maxDelaySeconds + 3600;
}

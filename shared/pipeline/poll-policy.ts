/**
 * How the pipeline polls the provider. Pure values and functions: the poll task uses them at run time,
 * and the state machine (infra) derives its whole-execution timeout from them.
 */
export const POLL_POLICY = {
  /** First wait after the job is created. */
  initialWaitSeconds: 5,
  /** Each wait is the previous one times this, before jitter (the schedule while a job's progress tells nothing). */
  growthFactor: 1.5,
  /** No wait is longer than this, before jitter and before honouring a provider's retry-after. */
  maxWaitSeconds: 60,
  /**
   * The growing schedule spreads each wait uniformly over [base × (1 − j), base × (1 + j)]; a wait aimed at a
   * predicted finish is spread over [target × (1 − j), target], never past the prediction.
   */
  jitterRatio: 0.2,
  /** The provider's retry-after is honoured up to this many seconds. */
  maxRetryAfterSeconds: 120,
  /** After this many polls the video fails as `timed_out`. */
  maxPolls: 150,
  /** A wait aimed at a predicted finish is never shorter than this (a job about to finish is not hammered). */
  minWaitSeconds: 2,
  /** A wait aimed at a predicted finish aims this much past it, so the poll lands after the finish, not just before. */
  finishMarginSeconds: 1,
} as const;

/** The poll policy's values; tests and the benchmark pass variants of POLL_POLICY. */
export type PollPolicy = { readonly [K in keyof typeof POLL_POLICY]: number };

/**
 * How PollGenerationJob picks its waits: `progress` aims at the finish the job's progress predicts and falls back to
 * the growing schedule while progress tells nothing; `backoff` is the growing schedule alone (5 s × 1.5ⁿ up to 60 s).
 */
export type PollStrategy = 'progress' | 'backoff';

/** The un-jittered wait before poll number `polls + 1` (`polls` made so far). */
export function baseWaitSeconds(polls: number, policy: PollPolicy = POLL_POLICY): number {
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
  policy: PollPolicy = POLL_POLICY,
): number {
  const random = options.random ?? Math.random;
  const base = baseWaitSeconds(polls, policy);
  const jittered = base * (1 - policy.jitterRatio + 2 * policy.jitterRatio * random());
  const retryAfter = Math.min(options.retryAfterSeconds ?? 0, policy.maxRetryAfterSeconds);
  return Math.max(1, Math.ceil(Math.max(jittered, retryAfter)));
}

/**
 * The longest one wait of the poll loop can be, whichever strategy chose it: the growing schedule's cap at its
 * jittered maximum, or the provider's retry-after where that is longer (honoured up to maxRetryAfterSeconds). A wait
 * aimed at a predicted finish never exceeds maxWaitSeconds, so it is covered too.
 */
export function longestPollWaitSeconds(policy: PollPolicy = POLL_POLICY): number {
  return Math.max(Math.ceil(policy.maxWaitSeconds * (1 + policy.jitterRatio)), policy.maxRetryAfterSeconds);
}

/** The longest the polling loop can wait in total, in seconds (every wait at the longest any wait can be). */
export function maxTotalWaitSeconds(policy: PollPolicy = POLL_POLICY): number {
  return policy.maxPolls * longestPollWaitSeconds(policy);
}

/**
 * What the poll loop carries from poll to poll to tell how fast a job moves. Times are the seconds the state machine
 * waited (the Wait states' own seconds, not a clock): they are what the next wait is made of, and a time-scaled local
 * engine shrinks them with the emulated jobs, so the ratios hold. Task time and transient retries are not counted,
 * so the speed is overestimated slightly: a poll lands a little early, never late.
 */
export interface ProgressTrack {
  /** The job's progress (0..100) last seen. */
  progress: number;
  /** Seconds waited since `progress` was first seen at its value, not counting the wait before this poll. */
  progressAgeSeconds: number;
  /** Progress points per second, measured when progress last moved; absent until it has moved once. */
  progressPerSecond?: number;
}

/** One poll's outcome as the policy sees it. */
export interface PollObservation {
  /** Polls made so far, this one included. */
  polls: number;
  /** The track carried from the previous poll (or from the create). */
  track: ProgressTrack;
  /** The seconds the state machine waited before this poll (the previous step's waitSeconds). */
  waitedSeconds: number;
  /** The progress this poll saw; absent when it saw nothing (the provider rate limited it). */
  progress?: number;
  /** The provider's retry-after, when it gave one. */
  retryAfterSeconds?: number;
}

/**
 * The next wait and the track to carry. With `progress`, once the job's progress has moved: the predicted seconds to
 * its finish, (100 − progress) ÷ speed, plus finishMarginSeconds, kept within [minWaitSeconds, maxWaitSeconds],
 * jittered downwards only. While progress stands still the speed is taken as at most one point per the seconds it
 * has stood, so a job stuck near the end backs off instead of being polled at the minimum until maxPolls (a poll
 * that saw nothing, rate limited, counts as standing still: it waits longer, which a limited provider welcomes). Before
 * progress has moved (queued), and with `backoff`, the growing schedule (nextWaitSeconds). Never sooner than the
 * provider's retry-after (up to maxRetryAfterSeconds). Whole seconds, at least 1.
 *
 * A provider that reports no progress (`progressReported` false; the poll then passes no `progress` but on
 * completion) is aimed with the model's expected duration instead: the finish is predicted at `expectedJobSeconds`
 * after the job was created (the track's age: the seconds waited since, as progress never moves), within the same
 * bounds and jitter; unknown or past it, the growing schedule.
 * @param random a number in [0, 1), injectable for tests
 */
export function nextPollWait(
  observation: PollObservation,
  options: {
    strategy?: PollStrategy;
    random?: () => number;
    /** The provider reports progress (its adapter's `capabilities.progress`). @default true */
    progressReported?: boolean;
    /** Seconds a job of the model is expected to take, when known (used only without progress). */
    expectedJobSeconds?: number;
  } = {},
  policy: PollPolicy = POLL_POLICY,
): { waitSeconds: number; track: ProgressTrack } {
  const random = options.random ?? Math.random;
  const track = nextTrack(observation);
  const retryAfter = Math.min(observation.retryAfterSeconds ?? 0, policy.maxRetryAfterSeconds);
  const grown = () =>
    nextWaitSeconds(
      observation.polls,
      { random, ...(observation.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: retryAfter }) },
      policy,
    );
  const aimedAt = (predicted: number) => {
    const target = Math.min(policy.maxWaitSeconds, Math.max(policy.minWaitSeconds, predicted));
    const jittered = target * (1 - policy.jitterRatio * random());
    return Math.max(1, policy.minWaitSeconds, Math.ceil(Math.max(jittered, retryAfter)));
  };
  const backoff = (options.strategy ?? 'progress') === 'backoff';
  if (options.progressReported === false) {
    const expected = options.expectedJobSeconds;
    const elapsed = track.progressAgeSeconds;
    if (backoff || expected === undefined || elapsed >= expected) return { waitSeconds: grown(), track };
    return { waitSeconds: aimedAt(expected - elapsed + policy.finishMarginSeconds), track };
  }
  const speed = currentSpeed(track);
  if (backoff || speed === undefined || track.progress >= 100) return { waitSeconds: grown(), track };
  return { waitSeconds: aimedAt((100 - track.progress) / speed + policy.finishMarginSeconds), track };
}

/** The track after this poll: a new speed when progress moved, an older age when it did not or nothing was seen. */
function nextTrack({ track, waitedSeconds, progress }: PollObservation): ProgressTrack {
  const age = track.progressAgeSeconds + Math.max(0, waitedSeconds);
  if (progress === undefined || progress === track.progress) return { ...track, progressAgeSeconds: age };
  // Progress that went back (a provider that restarted the job) says nothing about the speed from here.
  if (progress < track.progress) return { progress, progressAgeSeconds: 0 };
  if (age <= 0) return { ...track, progress, progressAgeSeconds: 0 };
  return { progress, progressAgeSeconds: 0, progressPerSecond: (progress - track.progress) / age };
}

/** The speed to predict with: the last measured one, bounded by how long progress has stood still. */
function currentSpeed(track: ProgressTrack): number | undefined {
  const measured = track.progressPerSecond;
  if (measured === undefined || measured <= 0 || track.progress <= 0) return undefined;
  return track.progressAgeSeconds > 0 ? Math.min(measured, 1 / track.progressAgeSeconds) : measured;
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

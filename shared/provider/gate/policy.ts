/**
 * How long a video may wait at the admission gate before CreateGenerationJob (WaitForProviderAdmission loop). Plain
 * values: the state machine's timeout (shared/pipeline/duration.ts) and history bound (state-machines/history-budget.ts)
 * count every allowed wait, so a video that waits its turn is never released as stuck.
 */
export const PROVIDER_GATE_POLICY = {
  /**
   * Waits for a slot or token before the video fails as `provider_rate_limited`: 400 waits fit the 25,000-event
   * history with every other loop at its bound; waiters near the front wait a few seconds, those far behind up to
   * `maxWaitSeconds`, so a line of 300 at 12 videos a minute (25 min) takes far fewer.
   */
  maxWaits: 400,
  /**
   * No gate wait is longer than this (the gate suggests shorter ones near the front of the line). 120 s rather than
   * 30: a line of 300 waiters asking every 30 s was 10 gate checks a second, which loaded the process they wait for.
   */
  maxWaitSeconds: 120,
} as const;

/**
 * The fewest provider requests one job takes: its create, one read that finds it done (a poll, or the webhook
 * receiver's) and its download (3: the MP4, its thumbnail and its spritesheet).
 */
export const MIN_REQUESTS_PER_JOB = 5;

/**
 * Real seconds the gate adds to the provider's minute when it counts request tokens: the way from a grant to the
 * request's arrival at the provider (ProviderGateLimits.marginSeconds' default).
 */
export const GATE_MARGIN_SECONDS = 1;

/**
 * How long a video may wait at the admission gate before CreateGenerationJob (WaitForProviderAdmission loop). Plain
 * values: the state machine's timeout (shared/pipeline/duration.ts) and history bound (state-machines/history-budget.ts)
 * count every allowed wait, so a video that waits its turn is never released as stuck.
 */
export const PROVIDER_GATE_POLICY = {
  /**
   * Waits for a slot or token before the video fails as `provider_rate_limited`: 400 waits of up to 30 s are more
   * than 3 h in line, and fit the 25,000-event history with every other loop at its bound.
   */
  maxWaits: 400,
  /** No gate wait is longer than this (the gate suggests shorter ones near the front of the line). */
  maxWaitSeconds: 30,
} as const;

/** Tokens the download of one video takes: the MP4, its thumbnail and its spritesheet. */
export const DOWNLOAD_TOKENS = 3;

/**
 * The data that flows through one video pipeline execution (JSONPath state).
 * The state machine in state-machines/video-pipeline.ts and the task handlers in functions/ share these shapes.
 *
 * Execution input:   { videoId, userId }
 * After CreateGenerationJob (ResultPath $.job):   JobState, or RateLimitedCreate (the provider answered 429)
 * After PollGenerationJob   (ResultPath $.job):   JobState
 * After StoreVideoInS3      (ResultPath $.stored): StoredContent
 * On any caught failure     (ResultPath $.failure): { Error, Cause } as Step Functions writes it
 */
export interface PipelineInput {
  videoId: string;
  userId: string;
}

export interface JobState {
  providerVideoId: string;
  status: 'queued' | 'in_progress' | 'completed';
  progress: number;
  /** Polls made so far. */
  polls: number;
  /** How long WaitBeforePoll waits next (whole seconds, >= 1), jittered, capped, honouring retry-after. */
  waitSeconds: number;
  /** Seconds waited since `progress` was first seen at its value (shared/poll-policy.ts ProgressTrack). */
  progressAgeSeconds?: number;
  /** Progress points per second when progress last moved; absent until it has. */
  progressPerSecond?: number;
}

/** CreateGenerationJob's result when the provider rate-limited the create: wait, then create again. */
export interface RateLimitedCreate {
  status: 'rate_limited';
  /** Rate-limited creates so far (this one included). */
  rateLimitedCreates: number;
  /** How long WaitForProviderRateLimit waits (whole seconds, >= 1). */
  waitSeconds: number;
}

export interface StoredContent {
  bucket: string;
  key: string;
  contentType: 'video/mp4';
  bytes: number;
  sha256: string;
  variants: Array<'video' | 'thumbnail' | 'spritesheet'>;
}

/** What Step Functions puts at ResultPath of a Catch. */
export interface CaughtFailure {
  Error: string;
  Cause: string;
}

export interface PipelineState extends PipelineInput {
  job?: JobState | RateLimitedCreate;
  stored?: StoredContent;
  failure?: CaughtFailure;
}

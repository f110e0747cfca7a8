/**
 * The data that flows through one video pipeline execution (JSONPath state).
 * The state machine in state-machines/video-pipeline.ts and the task handlers in functions/ share these shapes.
 *
 * Execution input:   { videoId, userId }
 * After CreateGenerationJob (ResultPath $.job):   JobState
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
  job?: JobState;
  stored?: StoredContent;
  failure?: CaughtFailure;
}

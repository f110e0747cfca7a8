// The data that flows through one video pipeline execution, shared by the state machine and the task handlers; which
// step writes which at which path: docs/ARCHITECTURE.md, "The path of a video" ("The execution's state").

/** An execution's input. */
export interface PipelineInput {
  videoId: string;
  userId: string;
}

/** A provider job as the pipeline follows it (`$.job` of an accepted create, a poll, a resumed webhook wait). */
export interface JobState {
  providerVideoId: string;
  status: 'queued' | 'in_progress' | 'completed';
  progress: number;
  /** Polls made so far. */
  polls: number;
  /** How long WaitBeforePoll waits next (whole seconds, >= 1), jittered, capped, honouring retry-after. */
  waitSeconds: number;
  /** Seconds waited since `progress` was first seen at its value (shared/pipeline/poll-policy.ts ProgressTrack). */
  progressAgeSeconds?: number;
  /** Progress points per second when progress last moved; absent until it has. */
  progressPerSecond?: number;
  /**
   * Set by CreateGenerationJob for a provider that reports no progress, when the model's expected duration is known:
   * the poll policy aims with it instead (shared/pipeline/poll-policy.ts). WaitForProviderWebhook's result does not
   * carry it: after a webhook wait the polls use the growing schedule.
   */
  expectedJobSeconds?: number;
  /**
   * Set by CreateGenerationJob on an accepted job (DoesProviderSendWebhooks routes on it): the provider sends this
   * job's webhooks, so the execution waits for them (WaitForProviderWebhook) before it polls.
   */
  webhooks?: boolean;
  /** WaitForProviderWebhook's TimeoutSeconds (shared/provider/webhooks/webhook-wait.ts). */
  webhookWaitSeconds?: number;
  /**
   * The provider's webhook resumed the execution (WaitForProviderWebhook's result; absent on the polling path). With
   * `completed` the receiver read the job from the provider, so the next PollGenerationJob does not read it again.
   */
  resumedBy?: 'webhook';
  /**
   * With `resumedBy`: unix seconds the provider created and finished the job, as the receiver's read said (null when
   * the receiver had no gate token to read it and woke the execution `in_progress`, for its poll to read).
   */
  createdAt?: number | null;
  completedAt?: number | null;
}

/** CreateGenerationJob's result when the provider rate-limited the create: wait, then create again. */
export interface RateLimitedCreate {
  status: 'rate_limited';
  /** Rate-limited creates so far (this one included). */
  rateLimitedCreates: number;
  /** How long WaitForProviderRateLimit waits (whole seconds, >= 1). */
  waitSeconds: number;
  /** Waits for the admission gate so far (carried across the loops so both stay bounded). */
  gateWaits?: number;
  /** The video's place in the gate's queue, once it has one. */
  ticket?: number;
}

/**
 * CreateGenerationJob's result when the admission gate (shared/provider/gate) had no job slot, or no request token,
 * for the video: nothing was sent to the provider; WaitForProviderAdmission waits, then CreateGenerationJob asks again.
 */
export interface WaitingForProvider {
  status: 'waiting_for_provider';
  /** What the gate lacked. */
  waitingFor: 'slot' | 'token';
  /** Waits for the gate so far (this one included). */
  gateWaits: number;
  /** Rate-limited creates so far, carried from an earlier RateLimitedCreate. */
  rateLimitedCreates: number;
  /** The video's place in the gate's queue (first come, first served); absent when the gate could not assign one. */
  ticket?: number;
  /** Waiters ahead of this video, plus one (for operators). */
  position?: number;
  /** How long WaitForProviderAdmission waits (whole seconds, >= 1). */
  waitSeconds: number;
}

/** What StoreVideoInS3 stored (`$.stored`). */
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

/** An execution's state as the task handlers receive it. */
export interface PipelineState extends PipelineInput {
  job?: JobState | RateLimitedCreate | WaitingForProvider;
  stored?: StoredContent;
  failure?: CaughtFailure;
}

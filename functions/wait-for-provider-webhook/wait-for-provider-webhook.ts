import { RetryableProviderError } from '../../shared/errors';
import type { AppLogger, AppMetrics } from '../../shared/observability/powertools';
import type { ProviderGate } from '../../shared/provider/gate/provider-gate';
import type { ProviderCallbackStore } from '../../shared/provider/webhooks/callback-store';
import type { ProgressReadStore } from '../../shared/provider/webhooks/progress-read';
import {
  type ResumeExecutionDeps,
  type ResumeOutcome,
  resumeWaitingExecution,
} from '../../shared/provider/webhooks/resume-execution';
import { unixSeconds } from '../../shared/video/video';

/** The Payload WaitForProviderWebhook (`lambda:invoke.waitForTaskToken`) sends. */
export interface WaitForProviderWebhookInput {
  videoId: string;
  userId: string;
  providerVideoId: string;
  /** `$$.Task.Token`: what the receiver sends SendTaskSuccess/Failure with. */
  taskToken: string;
  /** The wait's TimeoutSeconds: until then readers of the video read the provider's progress (progress-read.ts). */
  webhookWaitSeconds?: number;
}

export interface WaitForProviderWebhookDeps {
  store: Pick<ProviderCallbackStore, 'storeTaskToken' | 'peekTaskToken' | 'takeTaskToken' | 'events'>;
  /** Marks the video as waiting, so GET /v1/videos/{id} reads its progress while nothing polls. */
  progress: Pick<ProgressReadStore, 'markWaiting'>;
  /** The provider behind the admission gate (a read takes a token). */
  provider: ResumeExecutionDeps['provider'];
  callbacks: ResumeExecutionDeps['callbacks'];
  /** The job's slot is renewed as the wait starts: nothing renews it during the wait (its timeout is under the lease). */
  gate: Pick<ProviderGate, 'renewSlot'>;
  clock: () => Date;
  logger: Pick<AppLogger, 'info' | 'warn'>;
  metrics: AppMetrics;
}

/** What the step did; Step Functions ignores it (the task's result is what SendTaskSuccess sends), logs keep it. */
export type WaitOutcome = ResumeOutcome | 'waiting' | 'deferred';

/**
 * WaitForProviderWebhook's function: stores the execution's task token against the provider job, so the receiver
 * (functions/receive-provider-webhook) can resume it when the provider's event comes. An event recorded before the
 * token was stored (a short job, an adopted job that already finished) found nobody waiting: then this step re-reads
 * the job and settles the token itself (resumeWaitingExecution, which takes the token so it is used once). The token is
 * stored before the events are read, so an event arriving in between finds the token: none is missed.
 * No gate token for that read wakes the execution to read the job in its poll (resumeWaitingExecution). A provider
 * that cannot answer now (429, 5xx) leaves the token stored: the provider's next delivery, or the wait's timeout and
 * then the polls, settle the video.
 */
export async function waitForProviderWebhook(
  input: WaitForProviderWebhookInput,
  deps: WaitForProviderWebhookDeps,
): Promise<WaitOutcome> {
  const { videoId, providerVideoId, taskToken } = input;
  await deps.gate.renewSlot(videoId);
  const now = unixSeconds(deps.clock());
  await deps.store.storeTaskToken(providerVideoId, { taskToken, videoId, storedAt: now });
  if (input.webhookWaitSeconds !== undefined) await deps.progress.markWaiting(videoId, now + input.webhookWaitSeconds);
  const events = await deps.store.events(providerVideoId);
  if (events.length === 0) {
    deps.logger.info('Waiting for the provider’s webhook', { providerVideoId });
    return 'waiting';
  }
  deps.metrics.addMetric('ProviderWebhooksBeforeWait', 'Count', 1);
  try {
    const outcome = await resumeWaitingExecution(providerVideoId, deps);
    deps.logger.info('The provider’s event came before the wait; job re-read', { providerVideoId, outcome });
    return outcome;
  } catch (error) {
    if (!(error instanceof RetryableProviderError)) throw error;
    deps.logger.warn('Provider could not answer now; the wait goes on', { providerVideoId, error: error.message });
    return 'deferred';
  }
}

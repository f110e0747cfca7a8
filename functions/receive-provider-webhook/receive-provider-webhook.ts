import { ProviderWebhooksNotConfiguredError, UnauthenticatedError } from '../../shared/errors';
import { hasProviderJob } from '../../shared/money/decisions';
import type { HeldCancelJobRecorder } from '../../shared/money/release';
import type { AppLogger, AppMetrics } from '../../shared/observability/powertools';
import type { ProviderAdapter, ProviderWebhookEvent, WebhookHeaders } from '../../shared/provider/port';
import type { ProviderCallbackStore } from '../../shared/provider/webhooks/callback-store';
import {
  type ResumeExecutionDeps,
  type ResumeOutcome,
  resumeWaitingExecution,
} from '../../shared/provider/webhooks/resume-execution';
import type { VideoRepository } from '../../shared/video/store';
import { isTerminal } from '../../shared/video/video';

/** A provider webhook as the receiver needs it: the exact bytes that were signed, and the headers the scheme reads. */
export interface ProviderWebhookRequest {
  body: string;
  headers: WebhookHeaders;
}

export interface ReceiveProviderWebhookDeps extends ResumeExecutionDeps {
  /**
   * The provider secret's `webhookSecret`; undefined when it has none. `refresh` makes the next call re-read it past
   * the cache and answers whether it will (it is rate-limited: see webhookSecretResolver).
   */
  webhookSecret: { (): Promise<string | undefined>; refresh?(): boolean };
  /** The provider (behind the gate: its read of the job takes a token); its `webhooks` scheme verifies and reads events. */
  provider: ResumeExecutionDeps['provider'] & Pick<ProviderAdapter, 'webhooks'>;
  store: ResumeExecutionDeps['store'] & Pick<ProviderCallbackStore, 'jobOwner' | 'recordEvent'>;
  videos: Pick<VideoRepository, 'get'>;
  /** A job named by its webhook settles the held cancel whose in-flight create claimed it (money module). */
  heldCancels: HeldCancelJobRecorder;
  clock: () => Date;
  logger: Pick<AppLogger, 'info' | 'warn'>;
  metrics: Pick<AppMetrics, 'addMetric'>;
}

/** What the receiver did with a verified event (the 200 answer's `outcome`). */
export type WebhookOutcome =
  /** An event that settles nothing (one whose outcome is neither completed nor failed). */
  | 'ignored'
  /** No video claimed the provider job. */
  | 'unknown_job'
  /** The video is already completed, failed or cancelled (or gone). */
  | 'settled'
  /**
   * The video was cancelled while its create was in flight, and the create's answer never reached it: the job it
   * claimed is recorded on it, for the reconciler to settle the cancel from (held, not settled yet).
   */
  | 'correlated'
  /** The same delivery was recorded before and nothing waits on it any more. */
  | 'duplicate'
  /** Recorded; no execution waits on a token yet (the step that stores one finds the event). */
  | 'recorded'
  | Exclude<ResumeOutcome, 'no_token'>;

/**
 * POST /v1/provider/webhooks: a provider event, verified by the provider adapter's webhook scheme (for the `/v1/videos`
 * kind a Standard Webhooks signature under the provider secret's `webhookSecret`, 5-minute tolerance) before anything
 * is read from it: forged, wrongly signed or stale → 401, and nothing changes. A provider that sends no webhooks
 * (no scheme) or a secret without `webhookSecret` → 404. A verified event about a job a video claimed, not yet
 * settled, is recorded (by delivery id, so a duplicate is told apart), then resumes the execution waiting on the job's
 * task token, if any (reading the job from the provider first: the body only says which job to look at). Every other
 * verified event answers 200 and changes nothing: the provider must not retry what reelflow will never act on. One
 * exception: a video cancelled while its create was in flight (a held cancel) that never got the create's answer
 * takes the job its create claimed (`correlated`), so the reconciler settles the cancel from that job's outcome.
 */
export async function receiveProviderWebhook(
  request: ProviderWebhookRequest,
  deps: ReceiveProviderWebhookDeps,
): Promise<{ received: true; outcome: WebhookOutcome }> {
  const scheme = deps.provider.webhooks;
  if (scheme === undefined) throw new ProviderWebhooksNotConfiguredError('The video provider sends no webhooks');
  await verify(request, scheme, deps);
  const event = scheme.parseEvent(request.body, request.headers);
  const outcome = await settle(event, deps);
  deps.metrics.addMetric('ProviderWebhooksReceived', 'Count', 1);
  deps.logger.info('Provider webhook received', {
    providerVideoId: event.job,
    eventType: event.type,
    webhookId: event.deliveryId,
    outcome,
  });
  return { received: true, outcome };
}

async function verify(
  request: ProviderWebhookRequest,
  scheme: NonNullable<ProviderAdapter['webhooks']>,
  deps: ReceiveProviderWebhookDeps,
): Promise<void> {
  let secret = await deps.webhookSecret();
  if (secret === undefined) throw new ProviderWebhooksNotConfiguredError();
  if (scheme.verify(request.body, request.headers, secret)) return;
  // The secret may have been rotated since it was cached: read it once more before refusing, but only for a request
  // that could verify (its timestamp within the tolerance) and at most once per interval (refresh() says whether),
  // so a stream of forged requests to this public route costs no Secrets Manager call each.
  if (scheme.couldVerifyAt(request.headers, deps.clock()) && deps.webhookSecret.refresh?.() === true) {
    secret = await deps.webhookSecret();
    if (secret !== undefined && scheme.verify(request.body, request.headers, secret)) return;
  }
  deps.metrics.addMetric('ProviderWebhooksRejected', 'Count', 1);
  deps.logger.warn('Provider webhook refused: missing, stale or wrong signature', {
    webhookId: scheme.deliveryIdOf(request.headers),
  });
  throw new UnauthenticatedError('The webhook signature is missing, stale or wrong');
}

async function settle(event: ProviderWebhookEvent, deps: ReceiveProviderWebhookDeps): Promise<WebhookOutcome> {
  if (event.outcome === undefined) return 'ignored';
  const providerVideoId = event.job;
  const videoId = await deps.store.jobOwner(providerVideoId);
  if (videoId === undefined) return 'unknown_job';
  const video = await deps.videos.get(videoId, { consistent: true });
  if (video === undefined) return 'settled';
  if (isTerminal(video.status)) {
    const heldWithoutJob = video.status === 'cancelled' && !hasProviderJob(video);
    const now = Math.floor(deps.clock().getTime() / 1000);
    if (heldWithoutJob && (await deps.heldCancels.recordHeldCancelJob(videoId, providerVideoId, now))) {
      return 'correlated';
    }
    return 'settled';
  }
  const fresh = await deps.store.recordEvent(providerVideoId, {
    webhookId: event.deliveryId,
    type: event.type,
    receivedAt: Math.floor(deps.clock().getTime() / 1000),
  });
  // A duplicate still looks for a token: the first delivery may have failed after recording the event.
  const resumed = await resumeWaitingExecution(providerVideoId, deps);
  if (resumed === 'no_token') return fresh ? 'recorded' : 'duplicate';
  return resumed;
}

import { type ScrubVideoDeps, scrubVideo } from '../../shared/erasure/scrub-video';
import type { ErasureCounts, UserErasures } from '../../shared/erasure/user-erasures';
import type { VideoCanceller } from '../../shared/money/release';
import type { AppLogger, AppMetrics } from '../../shared/observability/powertools';
import { TASK_TIMEOUT_SECONDS } from '../../shared/pipeline/duration';
import type { PipelineStopper } from '../../shared/pipeline/pipeline-stopper';
import type { ProviderGate } from '../../shared/provider/gate/provider-gate';
import type { ContentRemover } from '../../shared/storage/content-remover';
import { UPLOAD_KEY_PREFIX, VIDEO_KEY_PREFIX } from '../../shared/video/object-keys';
import type { VideoRepository } from '../../shared/video/store';
import { isTerminal, unixSeconds, type VideoRecord } from '../../shared/video/video';
import type { WebhookDeliveryLog } from '../../shared/webhooks/deliveries';
import type { WebhookEndpointStore } from '../../shared/webhooks/endpoints';
import type { WebhookEventBodies } from '../../shared/webhooks/event-bodies';

/** What one run of an erasure of a user's data needs. */
export interface ErasureRunDeps extends ScrubVideoDeps {
  videos: Pick<VideoRepository, 'get' | 'listByUser' | 'markDeleted'>;
  storage: ContentRemover;
  erasures: Pick<UserErasures, 'get' | 'recordProgress'>;
  /** The user's webhook endpoints (URL and signing secrets) and their delivery logs, erased with the rest. */
  webhooks: {
    endpoints: Pick<WebhookEndpointStore, 'listAll' | 'delete'>;
    deliveries: Pick<WebhookDeliveryLog, 'removeAll'>;
    eventBodies: Pick<WebhookEventBodies, 'removeAll'>;
  };
  /** Cancels an unfinished video under the usual cancel rules (held once the provider may have a job). */
  canceller: VideoCanceller;
  pipeline: PipelineStopper;
  /** The provider's admission gate: a video cancelled before the provider accepted a job leaves the line for a slot. */
  admission: Pick<ProviderGate, 'leaveQueue'>;
  clock: () => Date;
  logger: Pick<AppLogger, 'info' | 'warn'>;
  metrics: AppMetrics;
}

/** What one run of an erasure came to. */
export type ErasureRunOutcome =
  /** Everything is gone: the erasure is completed. */
  | { state: 'completed'; counts: ErasureCounts }
  /** More is left (the run's time ran out, or a video appeared): run again at `dueAt`. */
  | { state: 'continue'; counts: ErasureCounts; dueAt: number }
  /** The erasure is no longer pending (completed, or replaced by a newer one): nothing to do. */
  | { state: 'stale' };

/** Videos read per page. */
const PAGE_SIZE = 25;

/**
 * How long after cancelling a video found `storing` the user's objects are swept again: its StoreVideoInS3 task may
 * still be writing (a Lambda invocation runs on after its execution is stopped) for up to its timeout.
 */
export const STORE_SETTLE_SECONDS = TASK_TIMEOUT_SECONDS.storeVideo + 60;

/**
 * One run of the erasure `erasureId` of `userId`'s data (a `user_erasure` work item): the user's webhook items first,
 * then every video (cancelled if unfinished, then deleted as a delete does), then every object under the user's
 * prefixes. `completed` once no video is left; `continue` when the run's time ran out, a video appeared, or a video
 * cancelled while `storing` may still get objects (due after {@link STORE_SETTLE_SECONDS}). Every step is idempotent.
 * The steps and what stays: docs/ARCHITECTURE.md, "The erasure's work items".
 */
export async function runErasure(
  item: { userId: string; erasureId: string },
  stopStartingAt: number,
  deps: ErasureRunDeps,
): Promise<ErasureRunOutcome> {
  const { userId, erasureId } = item;
  const erasure = await deps.erasures.get(userId);
  if (erasure === undefined || erasure.erasureId !== erasureId || erasure.status !== 'pending') {
    return { state: 'stale' };
  }
  const counts: ErasureCounts = { videosErased: 0, videosCancelled: 0, objectsDeleted: 0 };
  const webhooksFirst = await eraseWebhooks(userId, deps);
  let settleUntil = 0;
  let after: string | undefined;
  let outOfTime = false;
  do {
    if (deps.clock().getTime() >= stopStartingAt) {
      outOfTime = true;
      break;
    }
    const page = await deps.videos.listByUser(userId, { limit: PAGE_SIZE, ...(after ? { after } : {}) });
    for (const listed of page.items) {
      const erased = await eraseVideo(listed, deps);
      if (erased.cancelled) counts.videosCancelled++;
      if (erased.erased) counts.videosErased++;
      if (erased.wasStoring) settleUntil = unixSeconds(deps.clock()) + STORE_SETTLE_SECONDS;
    }
    after = page.nextCursor ?? undefined;
  } while (after !== undefined);

  for (const prefix of [VIDEO_KEY_PREFIX, UPLOAD_KEY_PREFIX]) {
    counts.objectsDeleted += await deps.storage.removeUnder(deps.bucket, `${prefix}${userId}/`);
  }
  const webhooksAfter = await eraseWebhooks(userId, deps);
  const webhooks = {
    webhookEndpointsDeleted: webhooksFirst.webhookEndpointsDeleted + webhooksAfter.webhookEndpointsDeleted,
    webhookDeliveriesDeleted: webhooksFirst.webhookDeliveriesDeleted + webhooksAfter.webhookDeliveriesDeleted,
    webhookEventBodiesDeleted: webhooksFirst.webhookEventBodiesDeleted + webhooksAfter.webhookEventBodiesDeleted,
  };

  const now = unixSeconds(deps.clock());
  const keys = { userId, erasureId, ...counts, ...webhooks };
  if (outOfTime || settleUntil > now || (await anyVideoLeft(userId, deps))) {
    await deps.erasures.recordProgress(userId, erasureId, counts);
    deps.logger.info('User erasure continues on a later run', { ...keys, outOfTime, settleUntil });
    return { state: 'continue', counts, dueAt: Math.max(now + 1, settleUntil) };
  }
  const completed = await deps.erasures.recordProgress(userId, erasureId, counts, now);
  if (!completed) return { state: 'stale' };
  deps.metrics.addMetric('UserErasuresCompleted', 'Count', 1);
  deps.logger.info('User erasure completed', keys);
  return { state: 'completed', counts };
}

/**
 * Deletes the user's webhook endpoints, each after its delivery log (so a log never outlives its endpoint unseen),
 * then the bodies of their events being delivered; a delivery still in flight finds its endpoint (or its body) gone
 * and ends without an attempt.
 */
async function eraseWebhooks(
  userId: string,
  deps: Pick<ErasureRunDeps, 'webhooks'>,
): Promise<{ webhookEndpointsDeleted: number; webhookDeliveriesDeleted: number; webhookEventBodiesDeleted: number }> {
  let webhookDeliveriesDeleted = 0;
  const endpoints = await deps.webhooks.endpoints.listAll(userId);
  for (const endpoint of endpoints) {
    webhookDeliveriesDeleted += await deps.webhooks.deliveries.removeAll(endpoint.endpointId);
    await deps.webhooks.endpoints.delete(userId, endpoint.endpointId);
  }
  const webhookEventBodiesDeleted = await deps.webhooks.eventBodies.removeAll(userId);
  return { webhookEndpointsDeleted: endpoints.length, webhookDeliveriesDeleted, webhookEventBodiesDeleted };
}

/** Cancels a video if it is unfinished, then deletes it; what it did. */
async function eraseVideo(
  listed: VideoRecord,
  deps: ErasureRunDeps,
): Promise<{ cancelled: boolean; erased: boolean; wasStoring: boolean }> {
  let video: VideoRecord | undefined = listed;
  let cancelled = false;
  let wasStoring = false;
  if (!isTerminal(video.status)) {
    const now = unixSeconds(deps.clock());
    const result = await deps.canceller.cancel(video.videoId, now);
    cancelled = result.applied;
    wasStoring = result.applied && result.previousStatus === 'storing';
    if (result.applied) {
      try {
        await deps.pipeline.stop(video.videoId, {
          error: 'VideoCancelled',
          cause: 'Cancelled by an erasure of its user',
        });
      } catch (error) {
        deps.logger.warn('Could not stop the execution of a video cancelled by an erasure; it ends at its next step', {
          videoId: video.videoId,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    if (result.applied && !result.held) await leaveLine(video.videoId, deps);
    // Not applied: something else settled it meanwhile (a completion, a failure); read it as it is now.
    video = result.video ?? (await deps.videos.get(video.videoId, { consistent: true }));
  }
  if (video === undefined || !isTerminal(video.status) || typeof video.deletedAt === 'number') {
    return { cancelled, erased: false, wasStoring };
  }
  const result = await scrubVideo(video, unixSeconds(deps.clock()), deps);
  return { cancelled, erased: result.applied, wasStoring };
}

/** Takes a video cancelled before the provider accepted a job out of the line for a job slot (it may be waiting). */
async function leaveLine(videoId: string, deps: Pick<ErasureRunDeps, 'admission' | 'logger'>): Promise<void> {
  try {
    await deps.admission.leaveQueue(videoId);
  } catch (error) {
    deps.logger.warn('Could not take a video cancelled by an erasure out of the line for a job slot; it lapses', {
      videoId,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

/**
 * Whether the user still has a video that is not deleted. The list index is eventually consistent, so each listed
 * video is read again, strongly consistently: a tombstone still in the index does not count, a video created since
 * does.
 */
async function anyVideoLeft(userId: string, deps: ErasureRunDeps): Promise<boolean> {
  const page = await deps.videos.listByUser(userId, { limit: PAGE_SIZE });
  for (const listed of page.items) {
    const video = await deps.videos.get(listed.videoId, { consistent: true });
    if (video !== undefined && typeof video.deletedAt !== 'number') return true;
  }
  return false;
}

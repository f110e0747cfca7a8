import type { IdempotencyRecords } from '../http/idempotency-records';
import type { ReconcileQueue } from '../money/reconciliation';
import { providerDeleteWorkItem } from '../money/reconciliation';
import type { ContentRemover } from '../storage/content-remover';
import { CONTENT_VARIANTS } from '../video/schemas';
import type { TransitionResult, VideoRepository } from '../video/store';
import { contentKey, inputReferenceKey, promptHashOf, type VideoRecord } from '../video/video';

/** What removing a terminal video's data needs. */
export interface ScrubVideoDeps {
  videos: Pick<VideoRepository, 'markDeleted'>;
  storage: Pick<ContentRemover, 'remove'>;
  /** The Powertools records that hold a keyed create's or remix's whole answer. */
  idempotencyRecords: IdempotencyRecords;
  /** Where the deletion of the provider's copy is queued (the reconciler calls the provider, never the caller). */
  queue: Pick<ReconcileQueue, 'add'>;
  bucket: string;
}

/**
 * Removes everything a terminal video holds about its prompt, shared by a user's delete and a user's erasure: its
 * stored objects (video, thumbnail, spritesheet, reference image), the Powertools record holding the answer of the
 * Idempotency-Key that made it, and (through a `provider_delete` work item) the provider's copy of its job; then
 * turns the record into a tombstone (prompt and metadata gone, the prompt's hash and every cost field kept).
 *
 * Everything before the tombstone is idempotent, so a failure leaves the video as it was and a retry does it all
 * again; a retry after the tombstone is not applied (`applied: false`). The work item is queued before the tombstone
 * for the same reason: a delete that fails after it leaves one more item, which finds the copy gone. The idempotency
 * record is removed once more after the tombstone: a replay racing the delete may have written it again.
 */
export async function scrubVideo(video: VideoRecord, now: number, deps: ScrubVideoDeps): Promise<TransitionResult> {
  await deps.storage.remove(deps.bucket, [
    ...CONTENT_VARIANTS.map((variant) => contentKey(video.userId, video.videoId, variant)),
    // The image a video started from goes with it.
    ...(video.inputReference ? [inputReferenceKey(video.userId, video.videoId)] : []),
  ]);
  const recordId = video.idempotencyRecordId;
  if (recordId !== undefined) await deps.idempotencyRecords.forget(recordId);
  const providerVideoId = video.providerVideoId;
  if (providerVideoId !== null && providerVideoId !== '') {
    await deps.queue.add(providerDeleteWorkItem({ ...video, providerVideoId }, now));
  }
  const result = await deps.videos.markDeleted(video.videoId, now, promptHashOf(video));
  if (result.applied && recordId !== undefined) await deps.idempotencyRecords.forget(recordId);
  return result;
}

import { ConflictError, NotFoundError } from '../../shared/errors';
import type { Caller } from '../../shared/http/types';
import type { AppLogger, AppMetrics } from '../../shared/powertools';
import type { IdempotencyRecords } from '../../shared/repositories/idempotency-records';
import type { VideoRepository } from '../../shared/repositories/video-repository';
import { CONTENT_VARIANTS, type DeletedVideo } from '../../shared/schemas';
import type { ContentRemover } from '../../shared/storage/content-remover';
import { contentKey, inputReferenceKey, isTerminal, promptHashOf, unixSeconds } from '../../shared/video';
import { findOwnVideo } from '../../shared/video-access';

export interface DeleteVideoInput {
  caller: Caller;
  videoId: string;
}

export interface DeleteVideoDeps {
  videos: Pick<VideoRepository, 'get' | 'markDeleted'>;
  storage: ContentRemover;
  /** The Powertools records that hold a keyed create's or remix's whole answer. */
  idempotencyRecords: IdempotencyRecords;
  bucket: string;
  clock: () => Date;
  logger: Pick<AppLogger, 'info' | 'appendKeys'>;
  metrics: AppMetrics;
}

/**
 * DELETE /v1/videos/{id}: the caller's terminal video (404 if not theirs or deleted; 409 `invalid_state` while it
 * is not terminal) loses its stored objects (video, thumbnail, spritesheet, reference image) and becomes a tombstone.
 *
 * The record stays, with `deletedAt`, out of the user's list, and answers 404 on every route: its cost fields,
 * the ledger entry and the month's usage stay as they are (cost records are never deleted). Its prompt and metadata
 * go (the prompt's hash stays, for the orphaned-job search), and so does the Powertools record holding the answer of
 * the Idempotency-Key that made it (a replay of that key then meets the key's claim and answers 409). The objects and
 * that record go first: if that fails the video is untouched and the client can retry; a retry after the tombstone
 * answers 404. The record is removed once more after the tombstone: a replay racing the delete may have written it
 * again from the record as it was before.
 */
export async function deleteVideo(input: DeleteVideoInput, deps: DeleteVideoDeps): Promise<DeletedVideo> {
  const video = await findOwnVideo(deps.videos, input.caller, input.videoId);
  deps.logger.appendKeys({ videoId: video.videoId, userId: video.userId });
  if (!isTerminal(video.status)) {
    throw new ConflictError(
      `Video ${video.videoId} is ${video.status}; cancel it or wait until it is finished before deleting it`,
      'invalid_state',
    );
  }

  await deps.storage.remove(deps.bucket, [
    ...CONTENT_VARIANTS.map((variant) => contentKey(video.userId, video.videoId, variant)),
    // The image a video started from goes with it.
    ...(video.inputReference ? [inputReferenceKey(video.userId, video.videoId)] : []),
  ]);
  const recordId = video.idempotencyRecordId;
  if (recordId !== undefined) await deps.idempotencyRecords.forget(recordId);
  const result = await deps.videos.markDeleted(video.videoId, unixSeconds(deps.clock()), promptHashOf(video));
  // Not applied: a concurrent delete won (the same outcome for the client as a missing video).
  if (!result.applied) throw new NotFoundError(`No video found with id '${video.videoId}'`);
  if (recordId !== undefined) await deps.idempotencyRecords.forget(recordId);

  deps.metrics.addMetric('VideosDeleted', 'Count', 1);
  deps.logger.info('Video deleted', { status: video.status });
  return { id: video.videoId, object: 'video.deleted', deleted: true };
}

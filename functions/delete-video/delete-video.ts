import { type ScrubVideoDeps, scrubVideo } from '../../shared/erasure/scrub-video';
import { ConflictError, NotFoundError } from '../../shared/errors';
import type { Caller } from '../../shared/http/types';
import type { AppLogger, AppMetrics } from '../../shared/observability/powertools';
import { findOwnVideo } from '../../shared/video/access';
import type { DeletedVideo } from '../../shared/video/schemas';
import type { VideoRepository } from '../../shared/video/store';
import { isTerminal, unixSeconds } from '../../shared/video/video';

export interface DeleteVideoInput {
  caller: Caller;
  videoId: string;
}

export interface DeleteVideoDeps extends ScrubVideoDeps {
  videos: Pick<VideoRepository, 'get' | 'markDeleted'>;
  clock: () => Date;
  logger: Pick<AppLogger, 'info' | 'appendKeys'>;
  metrics: AppMetrics;
}

/**
 * DELETE /v1/videos/{id}: the caller's terminal video (404 if not theirs or deleted; 409 `invalid_state` while it
 * is not terminal) loses its stored objects (video, thumbnail, spritesheet, reference image) and its provider copy,
 * and becomes a tombstone (shared/erasure/scrub-video.ts).
 *
 * The record stays, with `deletedAt`, out of the user's list, and answers 404 on every route: its cost fields,
 * the ledger entry and the month's usage stay as they are (cost records are never deleted). Its prompt and metadata
 * go (the prompt's hash stays, for the orphaned-job search), and so does the Powertools record holding the answer of
 * the Idempotency-Key that made it (a replay of that key then meets the key's claim and answers 409). The provider's
 * copy of the job is deleted by the reconciler from a work item queued here, so a slow or down provider never fails
 * the delete. The objects and that record go first: if that fails the video is untouched and the client can retry; a
 * retry after the tombstone answers 404.
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

  const result = await scrubVideo(video, unixSeconds(deps.clock()), deps);
  // Not applied: a concurrent delete won (the same outcome for the client as a missing video).
  if (!result.applied) throw new NotFoundError(`No video found with id '${video.videoId}'`);

  deps.metrics.addMetric('VideosDeleted', 'Count', 1);
  deps.logger.info('Video deleted', { status: video.status });
  return { id: video.videoId, object: 'video.deleted', deleted: true };
}

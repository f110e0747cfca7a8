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
 * is not terminal) loses its stored objects, its stored Idempotency-Key answer and (through the reconciler) its
 * provider copy, and becomes a tombstone that keeps every cost (shared/erasure/scrub-video.ts). A delete that lost to
 * a concurrent one answers 404. What the caller sees: docs/BEHAVIOUR.md, "Delete".
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

import { NotFoundError } from '../errors';
import type { Caller } from '../http/types';
import type { VideoRepository } from './store';
import type { VideoRecord } from './video';

/**
 * The caller's video, or 404: someone else's video answers exactly like a missing one (no existence leak), and so
 * does a deleted one (its record stays as a tombstone for the cost trail).
 */
export async function findOwnVideo(
  videos: Pick<VideoRepository, 'get'>,
  caller: Caller,
  videoId: string,
): Promise<VideoRecord> {
  const video = await videos.get(videoId);
  if (video === undefined || video.userId !== caller.userId || (video.deletedAt ?? null) !== null) {
    throw new NotFoundError(`No video found with id '${videoId}'`);
  }
  return video;
}

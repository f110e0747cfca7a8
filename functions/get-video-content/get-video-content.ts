import { ConflictError, NotFoundError } from '../../shared/errors';
import type { Caller } from '../../shared/http/types';
import type { ContentUrlSigner } from '../../shared/storage/content-signer';
import { findOwnVideo } from '../../shared/video/access';
import type { ContentVariant } from '../../shared/video/schemas';
import type { VideoRepository } from '../../shared/video/store';
import { contentKey, contentType } from '../../shared/video/video';

export interface GetVideoContentInput {
  caller: Caller;
  videoId: string;
  variant: ContentVariant;
}

export interface GetVideoContentDeps {
  videos: Pick<VideoRepository, 'get'>;
  signer: ContentUrlSigner;
  bucket: string;
  /** At most 900 (15 minutes). */
  urlTtlSeconds: number;
}

/**
 * GET /v1/videos/{id}/content: a presigned URL to the stored asset, only for the owner (404 otherwise) and only
 * once the video completed (409 `video_not_ready` before).
 */
export async function getVideoContent(input: GetVideoContentInput, deps: GetVideoContentDeps): Promise<string> {
  const video = await findOwnVideo(deps.videos, input.caller, input.videoId);
  if (video.status !== 'completed' || video.content === null) {
    throw new ConflictError(
      `Video ${video.videoId} is ${video.status}; content is available once completed`,
      'video_not_ready',
    );
  }
  if (!video.content.variants.includes(input.variant)) {
    throw new NotFoundError(`Video ${video.videoId} has no ${input.variant}`);
  }
  return deps.signer.signGet(deps.bucket, contentKey(video.userId, video.videoId, input.variant), {
    expiresInSeconds: deps.urlTtlSeconds,
    contentType: contentType(input.variant),
  });
}

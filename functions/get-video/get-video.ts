import type { Caller } from '../../shared/http/types';
import type { VideoRepository } from '../../shared/repositories/video-repository';
import type { VideoResource } from '../../shared/schemas';
import { toVideoResource } from '../../shared/video';
import { findOwnVideo } from '../../shared/video-access';

export interface GetVideoInput {
  caller: Caller;
  videoId: string;
}

export interface GetVideoDeps {
  videos: Pick<VideoRepository, 'get'>;
}

/** GET /v1/videos/{id}. */
export async function getVideo(input: GetVideoInput, deps: GetVideoDeps): Promise<VideoResource> {
  return toVideoResource(await findOwnVideo(deps.videos, input.caller, input.videoId));
}

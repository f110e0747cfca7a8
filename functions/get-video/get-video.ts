import type { Caller } from '../../shared/http/types';
import { type ProgressReadDeps, readWaitingProgress } from '../../shared/provider/webhooks/progress-read';
import { findOwnVideo } from '../../shared/video/access';
import type { VideoResource } from '../../shared/video/schemas';
import type { VideoRepository } from '../../shared/video/store';
import { toVideoResource } from '../../shared/video/video';

export interface GetVideoInput {
  caller: Caller;
  videoId: string;
}

export interface GetVideoDeps {
  videos: Pick<VideoRepository, 'get'>;
  /** The provider's progress of a video whose execution waits for the provider's webhook (nothing polls then). */
  progress: ProgressReadDeps;
}

/** GET /v1/videos/{id}: the stored video; while its execution waits for a webhook, its progress read through a short cache. */
export async function getVideo(input: GetVideoInput, deps: GetVideoDeps): Promise<VideoResource> {
  const video = await findOwnVideo(deps.videos, input.caller, input.videoId);
  return toVideoResource(await readWaitingProgress(video, deps.progress));
}

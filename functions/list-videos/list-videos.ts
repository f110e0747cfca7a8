import type { Caller } from '../../shared/http/types';
import type { VideoRepository } from '../../shared/repositories/video-repository';
import type { ListVideosQuery, VideoList } from '../../shared/schemas';
import { toVideoResource } from '../../shared/video';

export interface ListVideosInput {
  caller: Caller;
  query: ListVideosQuery;
}

export interface ListVideosDeps {
  videos: Pick<VideoRepository, 'listByUser'>;
}

/** GET /v1/videos: the caller's videos, newest first, one page. */
export async function listVideos(input: ListVideosInput, deps: ListVideosDeps): Promise<VideoList> {
  const page = await deps.videos.listByUser(input.caller.userId, {
    limit: input.query.limit,
    ...(input.query.after === undefined ? {} : { after: input.query.after }),
    ...(input.query.status === undefined ? {} : { status: input.query.status }),
  });
  return {
    object: 'list',
    data: page.items.map(toVideoResource),
    has_more: page.nextCursor !== null,
    next_cursor: page.nextCursor,
  };
}

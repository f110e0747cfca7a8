import { ValidationError } from '../../shared/errors';
import { listPage } from '../../shared/http/responses';
import type { Caller } from '../../shared/http/types';
import { isVideoId } from '../../shared/ids';
import type { ListVideosQuery, VideoList } from '../../shared/video/schemas';
import type { VideoRepository } from '../../shared/video/store';
import { toVideoResource } from '../../shared/video/video';

export interface ListVideosInput {
  caller: Caller;
  query: ListVideosQuery;
}

export interface ListVideosDeps {
  videos: Pick<VideoRepository, 'listByUser' | 'get'>;
}

/**
 * GET /v1/videos: the caller's videos, newest first, one page, in OpenAI's list shape (`first_id`, `last_id`,
 * `has_more`) plus `next_cursor`. `after` is the previous page's `last_id` (how the `openai` SDK pages) or its
 * `next_cursor`. A video id as `after` must name one of the caller's videos (a deleted one too, so a page can be
 * turned after deleting its last video); anyone else's, or none, is 400 on `after`, worded alike for both.
 */
export async function listVideos(input: ListVideosInput, deps: ListVideosDeps): Promise<VideoList> {
  const after = input.query.after;
  if (after !== undefined && isVideoId(after)) {
    // Strongly consistent: an id just seen in a list must not read as missing from a lagging replica.
    const video = await deps.videos.get(after, { consistent: true });
    if (video === undefined || video.userId !== input.caller.userId) {
      throw new ValidationError('after must be the last_id or next_cursor of a previous page of your videos', 'after');
    }
  }
  const page = await deps.videos.listByUser(input.caller.userId, {
    limit: input.query.limit,
    ...(input.query.after === undefined ? {} : { after: input.query.after }),
    ...(input.query.status === undefined ? {} : { status: input.query.status }),
  });
  return listPage(page.items.map(toVideoResource), page.nextCursor);
}

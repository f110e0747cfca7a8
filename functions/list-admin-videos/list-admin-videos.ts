import { ValidationError } from '../../shared/errors';
import { listPage } from '../../shared/http/responses';
import type { AdminVideoList, AdminVideosQuery } from '../../shared/operators/schemas';
import type { VideoRepository, VideoStatusIndex } from '../../shared/video/store';
import { toVideoResource, type VideoRecord } from '../../shared/video/video';

export interface ListAdminVideosInput {
  query: AdminVideosQuery;
}

export interface ListAdminVideosDeps {
  videos: Pick<VideoRepository, 'listByUser'> & VideoStatusIndex;
}

/**
 * GET /v1/admin/videos: videos of any user, newest first, in the list shape of `GET /v1/videos` (each with its
 * `user_id`). With `user_id`: that user's videos (in `status` only, when given), from the user's index. With
 * `status` alone: every user's videos now in that status, from the status index. One of the two is required: there
 * is no index of every video, and a scan of the table is not an operator's query. `after` is the previous page's
 * `next_cursor` (a cursor of another listing is a 400 on `after`).
 */
export async function listAdminVideos(input: ListAdminVideosInput, deps: ListAdminVideosDeps): Promise<AdminVideoList> {
  const { status, user_id: userId, limit, after } = input.query;
  const paging = { limit, ...(after === undefined ? {} : { after }) };
  let page: { items: VideoRecord[]; nextCursor: string | null };
  if (userId !== undefined) {
    page = await deps.videos.listByUser(userId, { ...paging, ...(status === undefined ? {} : { status }) });
  } else if (status !== undefined) {
    page = await deps.videos.listByStatus(status, paging);
  } else {
    throw new ValidationError('give status, user_id or both', 'status', 'missing_parameter');
  }
  return listPage(
    page.items.map((video) => ({ ...toVideoResource(video), user_id: video.userId })),
    page.nextCursor,
  );
}

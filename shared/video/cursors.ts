import { cursorFields, invalidCursor } from '../http/cursor';
import { userPartition, videoKey } from '../table-keys';
import type { VideoStatus } from './schemas';

/** The table and gsi1 key of a video item: where a page of a user's list ended. */
export interface ListCursor {
  pk: string;
  sk: string;
  gsi1pk: string;
  gsi1sk: string;
}

/**
 * The index position just past a video of this user's list. Built from the id alone, as the index keys are
 * (`gsi1sk` = `VIDEO#<id>`, ULIDs sort by creation time): it also works for a video deleted since (no longer in
 * the index), and the partition is always this user's, so no id can reach another user's list.
 */
export function startAfterVideo(videoId: string, userId: string): ListCursor {
  return { ...videoKey(videoId), gsi1pk: userPartition(userId), gsi1sk: `VIDEO#${videoId}` };
}

/** Decodes a cursor for this user's list; anything else is a 400 on `after`. */
export function decodeCursor(cursor: string, userId: string): ListCursor {
  const key = cursorFields(cursor) as Partial<ListCursor>;
  const fields = [key.pk, key.sk, key.gsi1pk, key.gsi1sk];
  if (fields.some((field) => typeof field !== 'string') || key.gsi1pk !== userPartition(userId)) throw invalidCursor();
  return { pk: key.pk!, sk: key.sk!, gsi1pk: key.gsi1pk!, gsi1sk: key.gsi1sk! };
}

/** gsi3's key of a video item (with the table key): where a page of a status listing ended. */
export interface StatusCursor {
  pk: string;
  sk: string;
  status: string;
  videoId: string;
}

/** Decodes a cursor of the listing of `status`; anything else is a 400 on `after`. */
export function decodeStatusCursor(cursor: string, status: VideoStatus): StatusCursor {
  const key = cursorFields(cursor) as Partial<StatusCursor>;
  const fields = [key.pk, key.sk, key.status, key.videoId];
  if (fields.some((field) => typeof field !== 'string') || Object.keys(key).length !== 4 || key.status !== status) {
    throw invalidCursor();
  }
  return { pk: key.pk!, sk: key.sk!, status: key.status!, videoId: key.videoId! };
}

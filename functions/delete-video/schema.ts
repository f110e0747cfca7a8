import { parseRequest } from '../../shared/http/parse-request';
import type { Caller } from '../../shared/http/types';
import { videoIdPathSchema } from '../../shared/video/schemas';
import type { DeleteVideoInput } from './delete-video';

/** Reads the video id from the path. */
export function parseDeleteVideoRequest(
  event: { pathParameters?: Record<string, string | undefined> },
  caller: Caller,
): DeleteVideoInput {
  return { caller, videoId: parseRequest(videoIdPathSchema(), event.pathParameters ?? {}).id };
}

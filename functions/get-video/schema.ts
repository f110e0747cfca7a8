import { parseRequest } from '../../shared/http/parse-request';
import type { Caller } from '../../shared/http/types';
import { videoIdPathSchema } from '../../shared/video/schemas';
import type { GetVideoInput } from './get-video';

/** Reads the video id from the path. */
export function parseGetVideoRequest(
  event: { pathParameters?: Record<string, string | undefined> },
  caller: Caller,
): GetVideoInput {
  return { caller, videoId: parseRequest(videoIdPathSchema(), event.pathParameters ?? {}).id };
}

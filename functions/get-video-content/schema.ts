import { parseRequest } from '../../shared/http/parse-request';
import type { Caller } from '../../shared/http/types';
import { contentQuerySchema, videoIdPathSchema } from '../../shared/video/schemas';
import type { GetVideoContentInput } from './get-video-content';

/** Reads the video id from the path and the variant from the query. */
export function parseGetVideoContentRequest(
  event: {
    pathParameters?: Record<string, string | undefined>;
    queryStringParameters?: Record<string, string | undefined>;
  },
  caller: Caller,
): GetVideoContentInput {
  return {
    caller,
    videoId: parseRequest(videoIdPathSchema(), event.pathParameters ?? {}).id,
    variant: parseRequest(contentQuerySchema(), event.queryStringParameters ?? {}).variant,
  };
}

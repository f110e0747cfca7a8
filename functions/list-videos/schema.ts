import { parseRequest } from '../../shared/http/parse-request';
import type { Caller } from '../../shared/http/types';
import { listVideosQuerySchema } from '../../shared/video/schemas';
import type { ListVideosInput } from './list-videos';

/** Reads limit, after, status and order from the query string. */
export function parseListVideosRequest(
  event: { queryStringParameters?: Record<string, string | undefined> },
  caller: Caller,
): ListVideosInput {
  return { caller, query: parseRequest(listVideosQuerySchema(), event.queryStringParameters ?? {}) };
}

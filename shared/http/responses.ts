import type { ApiResult } from './types';

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** A JSON response. */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResult {
  return { statusCode, headers: { 'content-type': JSON_CONTENT_TYPE, ...headers }, body: JSON.stringify(body) };
}

/** 302 to `location`, never cached (presigned URLs expire). */
export function redirect(location: string): ApiResult {
  return { statusCode: 302, headers: { location, 'cache-control': 'no-store' }, body: '' };
}

/** A page of a list in OpenAI's shape (`first_id`, `last_id`, `has_more`) plus reelflow's opaque `next_cursor`. */
export function listPage<T extends { id: string }>(
  data: T[],
  nextCursor: string | null,
): {
  object: 'list';
  data: T[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
  next_cursor: string | null;
} {
  return {
    object: 'list',
    data,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
    has_more: nextCursor !== null,
    next_cursor: nextCursor,
  };
}

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

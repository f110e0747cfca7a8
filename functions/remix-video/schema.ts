import { idempotencyKeyOf } from '../../shared/http/idempotency';
import { parseRequest } from '../../shared/http/parse-request';
import type { Caller } from '../../shared/http/types';
import { remixVideoBodySchema, videoIdPathSchema } from '../../shared/video/schemas';
import type { RemixVideoInput } from './remix-video';

/** Reads the source video id from the path, the new prompt from the body and the optional Idempotency-Key. */
export function parseRemixVideoRequest(
  event: {
    body?: unknown;
    pathParameters?: Record<string, string | undefined>;
    headers?: Record<string, string | undefined>;
  },
  caller: Caller,
): RemixVideoInput {
  return {
    caller,
    sourceVideoId: parseRequest(videoIdPathSchema(), event.pathParameters ?? {}).id,
    body: parseRequest(remixVideoBodySchema(), event.body),
    idempotencyKey: idempotencyKeyOf(event),
  };
}

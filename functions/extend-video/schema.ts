import { parseSourceVideoBody } from '../../shared/admission/derived-video';
import { idempotencyKeyOf } from '../../shared/http/idempotency';
import type { Caller } from '../../shared/http/types';
import { extendVideoBodySchema } from '../../shared/video/schemas';
import type { ExtendVideoInput } from './extend-video';

/** Reads the source video's id and the prompt and seconds from the body, and the optional Idempotency-Key. */
export function parseExtendVideoRequest(
  event: { body?: unknown; headers?: Record<string, string | undefined> },
  caller: Caller,
): ExtendVideoInput {
  return {
    caller,
    body: parseSourceVideoBody(extendVideoBodySchema(), event.body),
    idempotencyKey: idempotencyKeyOf(event),
  };
}

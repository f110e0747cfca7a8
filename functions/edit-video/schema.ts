import { parseSourceVideoBody } from '../../shared/admission/derived-video';
import { idempotencyKeyOf } from '../../shared/http/idempotency';
import type { Caller } from '../../shared/http/types';
import { editVideoBodySchema } from '../../shared/video/schemas';
import type { EditVideoInput } from './edit-video';

/** Reads the source video's id and the prompt from the body, and the optional Idempotency-Key. */
export function parseEditVideoRequest(
  event: { body?: unknown; headers?: Record<string, string | undefined> },
  caller: Caller,
): EditVideoInput {
  return {
    caller,
    body: parseSourceVideoBody(editVideoBodySchema(), event.body),
    idempotencyKey: idempotencyKeyOf(event),
  };
}

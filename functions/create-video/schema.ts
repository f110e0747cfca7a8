import type { Catalogue } from '../../shared/catalogue/schema';
import { idempotencyKeyOf } from '../../shared/http/idempotency';
import { parseRequest } from '../../shared/http/parse-request';
import type { Caller } from '../../shared/http/types';
import { lazy } from '../../shared/lazy';
import { createVideoBodySchema } from '../../shared/video/schemas';
import type { CreateVideoInput } from './create-video';

/**
 * Validates a create request against the deployment's model catalogue; reads the optional Idempotency-Key. The body
 * schema is built on the first request, not when the handler module loads.
 */
export function createVideoRequestParser(options: { catalogue: Catalogue }) {
  const schema = lazy(() => createVideoBodySchema(options));
  return (
    event: { body?: unknown; headers?: Record<string, string | undefined> },
    caller: Caller,
  ): CreateVideoInput => ({
    caller,
    body: parseRequest(schema(), event.body),
    idempotencyKey: idempotencyKeyOf(event),
  });
}

import { idempotencyKeyOf } from '../../shared/http/idempotency';
import { parseRequest } from '../../shared/http/parse-request';
import type { Caller } from '../../shared/http/types';
import { lazy } from '../../shared/lazy';
import { type CreateVideoBody, createVideoBodySchema } from '../../shared/schemas';

/** What POST /v1/videos asks for, validated. */
export interface CreateVideoInput {
  caller: Caller;
  body: CreateVideoBody;
  idempotencyKey: string | undefined;
}

/**
 * Validates a create request against the deployment's model allowlist; reads the optional Idempotency-Key. The body
 * schema is built on the first request, not when the handler module loads.
 */
export function createVideoRequestParser(options: { allowedModels: readonly string[] }) {
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

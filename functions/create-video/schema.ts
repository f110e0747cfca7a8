import type { Caller } from '../../shared/http/types';
import { type CreateVideoBody, createVideoBodySchema, parseRequest } from '../../shared/schemas';

/** What POST /v1/videos asks for, validated. */
export interface CreateVideoInput {
  caller: Caller;
  body: CreateVideoBody;
}

/** Validates a create request against the deployment's model allowlist. */
export function createVideoRequestParser(options: { allowedModels: readonly string[] }) {
  const schema = createVideoBodySchema(options);
  return (event: { body?: unknown }, caller: Caller): CreateVideoInput => ({
    caller,
    body: parseRequest(schema, event.body),
  });
}

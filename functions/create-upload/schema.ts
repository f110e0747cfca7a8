import * as z from 'zod/mini';
import { parseRequest } from '../../shared/http/parse-request';
import { createUploadBodySchema } from '../../shared/schemas';

/** A body, if any, must be an empty JSON object. */
export function parseCreateUploadRequest(event: { body?: unknown }): void {
  parseRequest(z.optional(createUploadBodySchema()), event.body);
}

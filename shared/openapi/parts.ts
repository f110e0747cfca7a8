import * as z from 'zod/mini';

/*
 * Building blocks of the OpenAPI document (document.ts) shared by its path modules (video-, money-, operator- and
 * webhook-paths.ts): schema references, error responses, common parameters and bodies.
 */

/** A JSON Schema or OpenAPI object (the document is plain JSON). */
export type Json = Record<string, unknown>;

type ZodType = z.ZodMiniType;

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** Query parameters from an object schema: one `in: query` parameter per property. */
export function queryParameters(schema: ZodType): Json[] {
  const json = z.toJSONSchema(schema, { io: 'input' }) as {
    properties?: Record<string, Json>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, { description, ...property }]) => ({
    name,
    in: 'query',
    required: json.required?.includes(name) ?? false,
    ...(typeof description === 'string' ? { description } : {}),
    schema: property,
  }));
}

export const jsonContent = (schema: Json) => ({ 'application/json': { schema } });

export const errorResponse = (description: string) => ({ description, content: jsonContent(ref('Error')) });

export const ERRORS = {
  400: errorResponse('invalid_json, invalid_parameter or missing_parameter (`param` names the field)'),
  401: errorResponse('unauthenticated: missing, malformed, expired or wrongly signed bearer token'),
  403: errorResponse('forbidden: the route needs a role (cognito:groups) the caller does not have'),
  404: errorResponse('not_found: no such video, or not the caller’s (the same answer either way)'),
  413: errorResponse(
    'payload_too_large: the body (a multipart body’s fields together) is over 64 KiB, or a file part over 4.4 MB (param names it)',
  ),
  415: errorResponse(
    'unsupported_media_type: the body is not application/json (nor multipart/form-data where the route takes it)',
  ),
  default: errorResponse('Any other error (402, 429 with Retry-After, 5xx): the same envelope, never a stack trace'),
};

/** A 429's answer: the envelope and Retry-After. */
export const tooManyRequests = (description: string) => ({
  ...errorResponse(description),
  headers: { 'retry-after': { description: 'Seconds to wait before retrying', schema: { type: 'string' } } },
});

/** What a create (or remix) answers when the caller's budget or quotas do not allow it (money module). */
export const MONEY_ERRORS = {
  402: errorResponse('budget_exceeded: the monthly budget cannot cover this video’s estimate'),
  429: tooManyRequests('quota_exceeded (max_active or max_per_day) or rate_limited'),
};

export const VIDEO_ID: Json = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'The video id (vid_...)',
  schema: { type: 'string', minLength: 1, maxLength: 64 },
};

export const IDEMPOTENCY_KEY: Json = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Same key + same body from the same user within 24 hours returns the first response (no second job or charge); ' +
    'the same key with another body answers 409 idempotency_key_reused. While the first request is still running, ' +
    'a repeat waits for it; if it is still running after a few seconds, 409 invalid_state with Retry-After.',
  schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x20-\\x7E]+$' },
};

export const LOCATION = {
  location: { description: 'The new video: /v1/videos/{id}', schema: { type: 'string' } },
};

export const PUBLIC: Json = { security: [] };

export function jsonBody(name: string, required = true): Json {
  return { required, content: jsonContent(ref(name)) };
}

/**
 * A body sent as JSON or, with the same fields, as multipart/form-data (how the `openai` SDK sends `videos.create`):
 * object fields as bracketed names (`metadata[topic]=...`, deepObject style).
 */
export function jsonOrFormBody(name: string, objectFields: readonly string[]): Json {
  const deepObject = Object.fromEntries(objectFields.map((field) => [field, { style: 'deepObject', explode: true }]));
  return {
    required: true,
    content: {
      ...jsonContent(ref(name)),
      'multipart/form-data': { schema: ref(name), ...(objectFields.length > 0 ? { encoding: deepObject } : {}) },
    },
  };
}

import * as z from 'zod/mini';

type ZodType = z.ZodMiniType;

import {
  auditListSchema,
  auditQuerySchema,
  costsQuerySchema,
  limitsResourceSchema,
  limitsUpdateSchema,
  usageQuerySchema,
  usageResourceSchema,
  userErasureResourceSchema,
} from '../money/schemas';
import {
  adminVideoListSchema,
  adminVideosQuerySchema,
  videoExecutionSchema,
  videoRedriveSchema,
} from '../operators/schemas';
import {
  cancelVideoBodySchema,
  contentQuerySchema,
  createUploadBodySchema,
  createVideoBodySchema,
  deletedVideoSchema,
  editVideoBodySchema,
  errorEnvelopeSchema,
  extendVideoBodySchema,
  healthSchema,
  inputReferenceSchema,
  listVideosQuerySchema,
  remixVideoBodySchema,
  uploadResourceSchema,
  videoListSchema,
  videoResourceSchema,
} from '../schemas';
import {
  createWebhookEndpointBodySchema,
  deletedWebhookEndpointSchema,
  rotateWebhookSecretBodySchema,
  webhookDeliveryListSchema,
  webhookEndpointListSchema,
  webhookEndpointResourceSchema,
  webhookListQuerySchema,
} from '../webhooks/schemas';

/*
 * GET /v1/openapi.json: an OpenAPI 3.1 document built from the zod schemas that validate the requests and type
 * the responses (shared/schemas.ts), through z.toJSONSchema, so the document cannot drift from the code.
 */

/** A JSON Schema or OpenAPI object (the document is plain JSON). */
type Json = Record<string, unknown>;

/** `input_reference` in the document: a file part (multipart), or one of the two objects (JSON or bracketed form). */
const INPUT_REFERENCE_FORMS: Json = {
  oneOf: [
    { type: 'string', format: 'binary', description: 'An image file part (multipart/form-data), at most 4.4 MB' },
    {
      type: 'object',
      properties: { file_id: { type: 'string', description: 'The id POST /v1/uploads returned' } },
      required: ['file_id'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: { image_url: { type: 'string', format: 'uri', description: 'A public https URL of the image' } },
      required: ['image_url'],
      additionalProperties: false,
    },
  ],
};

/**
 * z.toJSONSchema options for the API's schemas: the one check zod cannot express in JSON Schema (`input_reference`)
 * is written out by hand.
 */
export const JSON_SCHEMA_OVERRIDES = {
  unrepresentable: 'any',
  override: ({ zodSchema, jsonSchema }: { zodSchema: unknown; jsonSchema: Record<string, unknown> }) => {
    if (zodSchema === inputReferenceSchema) Object.assign(jsonSchema, INPUT_REFERENCE_FORMS);
  },
} as const;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** Response schemas, by component name (output shapes). */
function responseSchemas(): Record<string, ZodType> {
  return {
    Video: videoResourceSchema,
    VideoList: videoListSchema,
    DeletedVideo: deletedVideoSchema,
    Error: errorEnvelopeSchema,
    Health: healthSchema,
    Upload: uploadResourceSchema,
    Usage: usageResourceSchema,
    UserLimits: limitsResourceSchema,
    AuditList: auditListSchema,
    UserErasure: userErasureResourceSchema,
    AdminVideoList: adminVideoListSchema,
    VideoExecution: videoExecutionSchema,
    VideoRedrive: videoRedriveSchema,
    WebhookEndpoint: webhookEndpointResourceSchema,
    WebhookEndpointList: webhookEndpointListSchema,
    DeletedWebhookEndpoint: deletedWebhookEndpointSchema,
    WebhookDeliveryList: webhookDeliveryListSchema,
  };
}

/** Request body schemas, by component name (input shapes: defaults make fields optional). */
function requestSchemas(allowedModels: readonly string[]): Record<string, ZodType> {
  return {
    CreateVideoRequest: createVideoBodySchema({ allowedModels }),
    RemixVideoRequest: remixVideoBodySchema,
    EditVideoRequest: editVideoBodySchema,
    ExtendVideoRequest: extendVideoBodySchema,
    CancelVideoRequest: cancelVideoBodySchema,
    CreateUploadRequest: createUploadBodySchema,
    UserLimitsUpdate: limitsUpdateSchema,
    CreateWebhookEndpointRequest: createWebhookEndpointBodySchema,
    RotateWebhookSecretRequest: rotateWebhookSecretBodySchema,
  };
}

/** Component schemas of one direction; schemas used inside others become `$ref`s to `#/components/schemas/...`. */
function componentSchemas(schemas: Record<string, ZodType>, io: 'input' | 'output'): Record<string, Json> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const generated = z.toJSONSchema(registry, {
    io,
    uri: (id) => `#/components/schemas/${id}`,
    ...JSON_SCHEMA_OVERRIDES,
  }).schemas as Record<string, Json>;
  return Object.fromEntries(
    Object.entries(generated).map(([id, { $schema: _schema, $id: _id, ...schema }]) => [id, schema]),
  );
}

/** Query parameters from an object schema: one `in: query` parameter per property. */
function queryParameters(schema: ZodType): Json[] {
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

const jsonContent = (schema: Json) => ({ 'application/json': { schema } });

const errorResponse = (description: string) => ({ description, content: jsonContent(ref('Error')) });

const ERRORS = {
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

/** What a create (or remix) answers when the caller's budget or quotas do not allow it (money module). */
const MONEY_ERRORS = {
  402: errorResponse('budget_exceeded: the monthly budget cannot cover this video’s estimate'),
  429: {
    ...errorResponse('quota_exceeded (max_active or max_per_day) or rate_limited'),
    headers: { 'retry-after': { description: 'Seconds to wait before retrying', schema: { type: 'string' } } },
  },
};

const VIDEO_ID: Json = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'The video id (vid_...)',
  schema: { type: 'string', minLength: 1, maxLength: 64 },
};

const IDEMPOTENCY_KEY: Json = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Same key + same body from the same user within 24 hours returns the first response (no second job or charge); ' +
    'the same key with another body answers 409 idempotency_key_reused. While the first request is still running, ' +
    'a repeat waits for it; if it is still running after a few seconds, 409 invalid_state with Retry-After.',
  schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x20-\\x7E]+$' },
};

const LOCATION = {
  location: { description: 'The new video: /v1/videos/{id}', schema: { type: 'string' } },
};

const PUBLIC: Json = { security: [] };

function jsonBody(name: string, required = true): Json {
  return { required, content: jsonContent(ref(name)) };
}

/**
 * A body sent as JSON or, with the same fields, as multipart/form-data (how the `openai` SDK sends `videos.create`):
 * object fields as bracketed names (`metadata[topic]=...`, deepObject style).
 */
function jsonOrFormBody(name: string, objectFields: readonly string[]): Json {
  const deepObject = Object.fromEntries(objectFields.map((field) => [field, { style: 'deepObject', explode: true }]));
  return {
    required: true,
    content: {
      ...jsonContent(ref(name)),
      'multipart/form-data': { schema: ref(name), ...(objectFields.length > 0 ? { encoding: deepObject } : {}) },
    },
  };
}

/** What a remix, an edit and an extension answer: a new video, or why not. */
const DERIVED_VIDEO_RESPONSES: Json = {
  202: { description: 'Accepted', headers: LOCATION, content: jsonContent(ref('Video')) },
  400: ERRORS[400],
  401: ERRORS[401],
  ...MONEY_ERRORS,
  404: ERRORS[404],
  409: errorResponse(
    'video_not_ready (the source is not completed), idempotency_key_reused, or invalid_state while a ' +
      'request with the same key runs',
  ),
  413: ERRORS[413],
  415: ERRORS[415],
  default: ERRORS.default,
};

/** The paths of the API (the route table in infra/api-routes.ts), described with the component schemas. */
function paths(): Json {
  return {
    '/v1/health': {
      get: {
        operationId: 'getHealth',
        summary: 'Liveness check (no auth)',
        ...PUBLIC,
        responses: { 200: { description: 'Up', content: jsonContent(ref('Health')) }, default: ERRORS.default },
      },
    },
    '/v1/openapi.json': {
      get: {
        operationId: 'getOpenApi',
        summary: 'This document (no auth)',
        ...PUBLIC,
        responses: {
          200: { description: 'The OpenAPI 3.1 document', content: jsonContent({ type: 'object' }) },
          default: ERRORS.default,
        },
      },
    },
    '/v1/videos': {
      post: {
        operationId: 'createVideo',
        summary: 'Create a video from a prompt; starts one pipeline execution named after the video id',
        parameters: [IDEMPOTENCY_KEY],
        requestBody: jsonOrFormBody('CreateVideoRequest', ['metadata', 'input_reference']),
        responses: {
          202: { description: 'Accepted', headers: LOCATION, content: jsonContent(ref('Video')) },
          400: ERRORS[400],
          401: ERRORS[401],
          ...MONEY_ERRORS,
          409: errorResponse('idempotency_key_reused, or invalid_state while a request with the same key runs'),
          413: ERRORS[413],
          415: ERRORS[415],
          default: ERRORS.default,
        },
      },
      get: {
        operationId: 'listVideos',
        summary:
          'The caller’s videos, newest first; pass a page’s last_id (as the openai SDK does) or next_cursor as after',
        parameters: queryParameters(listVideosQuerySchema),
        responses: {
          200: { description: 'A page of videos', content: jsonContent(ref('VideoList')) },
          400: ERRORS[400],
          401: ERRORS[401],
          default: ERRORS.default,
        },
      },
    },
    '/v1/videos/{id}': {
      get: {
        operationId: 'getVideo',
        summary: 'One of the caller’s videos',
        parameters: [VIDEO_ID],
        responses: {
          200: { description: 'The video', content: jsonContent(ref('Video')) },
          400: ERRORS[400],
          401: ERRORS[401],
          404: ERRORS[404],
          default: ERRORS.default,
        },
      },
      delete: {
        operationId: 'deleteVideo',
        summary:
          'Delete a finished video: its stored objects, prompt and metadata go (also from the stored answer of the ' +
          'Idempotency-Key that made it, which then answers 409 idempotency_key_reused), and the provider’s copy of ' +
          'its job is deleted in the background once the job has ended (a slow or down provider never fails the ' +
          'delete); its cost records stay; it answers 404 afterwards',
        parameters: [VIDEO_ID],
        responses: {
          200: { description: 'Deleted', content: jsonContent(ref('DeletedVideo')) },
          400: ERRORS[400],
          401: ERRORS[401],
          404: ERRORS[404],
          409: errorResponse('invalid_state: the video is not finished (queued, in_progress or storing)'),
          default: ERRORS.default,
        },
      },
    },
    '/v1/videos/{id}/content': {
      get: {
        operationId: 'getVideoContent',
        summary: 'Download a completed video or one of its previews',
        parameters: [VIDEO_ID, ...queryParameters(contentQuerySchema)],
        responses: {
          302: {
            description: 'Redirect to a presigned URL that expires in at most 15 minutes',
            headers: { location: { description: 'The presigned URL', schema: { type: 'string' } } },
          },
          400: ERRORS[400],
          401: ERRORS[401],
          404: ERRORS[404],
          409: errorResponse('video_not_ready: the video is not completed'),
          default: ERRORS.default,
        },
      },
    },
    '/v1/videos/{id}/remix': {
      post: {
        operationId: 'remixVideo',
        summary: 'A new video remixing one of the caller’s completed videos with a new prompt',
        parameters: [VIDEO_ID, IDEMPOTENCY_KEY],
        requestBody: jsonOrFormBody('RemixVideoRequest', []),
        responses: DERIVED_VIDEO_RESPONSES,
      },
    },
    '/v1/videos/edits': {
      post: {
        operationId: 'editVideo',
        summary: 'A new video editing one of the caller’s completed videos (OpenAI’s videos.edit)',
        description:
          'video is {"id": ...} of the caller’s completed video (video[id] in a form); an uploaded video file is a ' +
          '400 on video. Model, size and seconds are the source’s; priced and reserved like a create.',
        parameters: [IDEMPOTENCY_KEY],
        requestBody: jsonOrFormBody('EditVideoRequest', ['video']),
        responses: DERIVED_VIDEO_RESPONSES,
      },
    },
    '/v1/videos/extensions': {
      post: {
        operationId: 'extendVideo',
        summary: 'A new video extending one of the caller’s completed videos (OpenAI’s videos.extend)',
        description:
          'The new video lasts the source’s seconds plus seconds (at most 20; 400 on seconds beyond), and is priced ' +
          'and reserved for the extension’s seconds: what the provider generates. Model and size are the source’s.',
        parameters: [IDEMPOTENCY_KEY],
        requestBody: jsonOrFormBody('ExtendVideoRequest', ['video']),
        responses: DERIVED_VIDEO_RESPONSES,
      },
    },
    '/v1/videos/characters': {
      post: {
        operationId: 'createVideoCharacter',
        summary: 'Not supported: answers 404 not_found saying so (OpenAI’s videos.createCharacter)',
        responses: {
          401: ERRORS[401],
          404: errorResponse('not_found: characters are not supported'),
          default: ERRORS.default,
        },
      },
    },
    '/v1/videos/characters/{id}': {
      get: {
        operationId: 'getVideoCharacter',
        summary: 'Not supported: answers 404 not_found saying so (OpenAI’s videos.getCharacter)',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          401: ERRORS[401],
          404: errorResponse('not_found: characters are not supported'),
          default: ERRORS.default,
        },
      },
    },
    '/v1/videos/{id}/cancel': {
      post: {
        operationId: 'cancelVideo',
        summary: 'Cancel a video that is not finished: it answers cancelled at once and its execution is stopped',
        description:
          'Before the provider accepted the job, the reserved budget is released at once and charged_micros is 0. ' +
          'After, the video answers cancelled at once with charged_micros null and frees its max_active slot, but ' +
          'its reservation stays committed (reserved_micros in GET /v1/usage) while reelflow asks the provider to ' +
          'stop the job: if the provider finished and billed it anyway, the video is charged its price once ' +
          '(charged_micros, a ledger entry of kind cancelled_charge, cancelled_charged_micros in usage); if the job ' +
          'failed or was deleted before completing, or no outcome comes within the follow-up window, it is charged 0. ' +
          'The cancel itself never waits for the provider.',
        parameters: [VIDEO_ID],
        requestBody: jsonBody('CancelVideoRequest', false),
        responses: {
          200: { description: 'The cancelled video', content: jsonContent(ref('Video')) },
          400: ERRORS[400],
          401: ERRORS[401],
          404: ERRORS[404],
          409: errorResponse('invalid_state: the video is already completed, failed or cancelled'),
          413: ERRORS[413],
          415: ERRORS[415],
          default: ERRORS.default,
        },
      },
    },
    '/v1/uploads': {
      post: {
        operationId: 'createUpload',
        summary:
          'A presigned upload for a reference image over the inline limit: PUT the image to upload_url, then create ' +
          'with input_reference {"file_id": id} within 24 hours (up to 50 MiB; type and size checked on use)',
        requestBody: jsonBody('CreateUploadRequest', false),
        responses: {
          201: { description: 'The upload id and where to PUT the image', content: jsonContent(ref('Upload')) },
          400: ERRORS[400],
          401: ERRORS[401],
          413: ERRORS[413],
          415: ERRORS[415],
          default: ERRORS.default,
        },
      },
    },
  };
}

const USER_ID: Json = {
  name: 'userId',
  in: 'path',
  required: true,
  description: 'The user id (the token `sub` of that user)',
  schema: { type: 'string', minLength: 1, maxLength: 128 },
};

/** The usage and finance routes (quotas, budgets and costs; schemas of shared/money). */
function moneyPaths(): Json {
  const limits = {
    200: { description: 'The user’s effective limits', content: jsonContent(ref('UserLimits')) },
    400: ERRORS[400],
    401: ERRORS[401],
    403: ERRORS[403],
    default: ERRORS.default,
  };
  return {
    '/v1/usage': {
      get: {
        operationId: 'getUsage',
        summary: 'The caller’s usage, reservations and limits in a month',
        parameters: queryParameters(usageQuerySchema),
        responses: {
          200: { description: 'Usage', content: jsonContent(ref('Usage')) },
          400: ERRORS[400],
          401: ERRORS[401],
          default: ERRORS.default,
        },
      },
    },
    '/v1/admin/costs': {
      get: {
        operationId: 'getCosts',
        summary: 'Costs per user in a month, or one user’s ledger; JSON or CSV (role finance)',
        parameters: queryParameters(costsQuerySchema),
        responses: {
          200: {
            description: 'The cost report',
            content: { 'application/json': { schema: { type: 'object' } }, 'text/csv': { schema: { type: 'string' } } },
          },
          400: ERRORS[400],
          401: ERRORS[401],
          403: ERRORS[403],
          default: ERRORS.default,
        },
      },
    },
    '/v1/admin/users/{userId}': {
      delete: {
        operationId: 'eraseUser',
        summary:
          'Erase a user’s data: videos, prompts, metadata, stored objects, uploads, provider copies (role finance)',
        description:
          'Answers 202 with the erasure; the work is done in the background and retried until done. The user’s ' +
          'unfinished videos are cancelled first under the cancel rules (a video the provider had accepted is still ' +
          'charged its price if the provider finished and billed it); then every video is deleted as DELETE ' +
          '/v1/videos/{id} deletes one, and every stored object and upload of the user goes. The ledger, usage, ' +
          'provider costs and audit trail keep their amounts. Audited (`user.erased`: caller, user, request id, ' +
          'time). Calling again is harmless: it answers the erasure as it stands (`status` pending or completed); ' +
          'only a user who has videos again after a completed erasure gets a new one. Nobody erases their own data ' +
          '(403 forbidden).',
        parameters: [USER_ID],
        responses: {
          202: { description: 'The erasure and how far it got', content: jsonContent(ref('UserErasure')) },
          400: ERRORS[400],
          401: ERRORS[401],
          403: errorResponse('forbidden: the caller lacks the finance role, or the data is the caller’s own'),
          default: ERRORS.default,
        },
      },
    },
    '/v1/admin/users/{userId}/limits': {
      get: {
        operationId: 'getUserLimits',
        summary: 'A user’s limits (role finance)',
        parameters: [USER_ID],
        responses: limits,
      },
      put: {
        operationId: 'putUserLimits',
        summary: 'Override any subset of a user’s limits; applies to the next create (role finance)',
        description:
          'Audited: the change and its audit record (caller, old and new values, request id) are written in one ' +
          'transaction. A caller cannot change their own limits (403 forbidden).',
        parameters: [USER_ID],
        requestBody: jsonBody('UserLimitsUpdate'),
        responses: {
          ...limits,
          403: errorResponse('forbidden: the caller lacks the finance role, or the limits are the caller’s own'),
          413: ERRORS[413],
          415: ERRORS[415],
        },
      },
    },
    '/v1/admin/audit': {
      get: {
        operationId: 'listAuditRecords',
        summary: 'Audit records of changes to users’ limits and of redrives, newest first (role finance or operators)',
        description:
          'With user_id: the records about that user (every month, or only month). Without: every user’s records ' +
          'of month (default the current UTC month). Finance reads every record; an operator only the records of ' +
          'their own actions. Pass next_cursor back as after for the next page.',
        parameters: queryParameters(auditQuerySchema),
        responses: {
          200: { description: 'A page of audit records', content: jsonContent(ref('AuditList')) },
          400: ERRORS[400],
          401: ERRORS[401],
          403: errorResponse('forbidden: the caller has neither the finance nor the operators role'),
          default: ERRORS.default,
        },
      },
    },
  };
}

/** The operators' routes (role operators). */
function operatorPaths(): Json {
  const forbidden = errorResponse('forbidden: the caller lacks the operators role');
  return {
    '/v1/admin/videos': {
      get: {
        operationId: 'listAdminVideos',
        summary: 'Videos of every user in one status, or one user’s videos, newest first (role operators)',
        description:
          'Give status (every user’s videos now in it), user_id, or both; neither is 400 missing_parameter. Pass ' +
          'next_cursor back as after for the next page.',
        parameters: queryParameters(adminVideosQuerySchema),
        responses: {
          200: { description: 'A page of videos, each with its user_id', content: jsonContent(ref('AdminVideoList')) },
          400: ERRORS[400],
          401: ERRORS[401],
          403: forbidden,
          default: ERRORS.default,
        },
      },
    },
    '/v1/admin/videos/{id}/execution': {
      get: {
        operationId: 'getVideoExecution',
        summary: 'The video’s pipeline execution as a timeline of its states (role operators)',
        description:
          'Every state visit in the order entered (the poll loop and a redrive enter states again), with start, ' +
          'end, duration, task attempts, retries, outcome and the last error; computed from Step Functions’ ' +
          'execution history.',
        parameters: [VIDEO_ID],
        responses: {
          200: { description: 'The execution', content: jsonContent(ref('VideoExecution')) },
          401: ERRORS[401],
          403: forbidden,
          404: errorResponse('not_found: no such video, or it has no execution (its start failed)'),
          default: ERRORS.default,
        },
      },
    },
    '/v1/admin/videos/{id}/redrive': {
      post: {
        operationId: 'redriveVideo',
        summary: 'Continue a failed execution from the step it failed in (role operators; audited)',
        description:
          'Only for an execution that FAILED outside its Catch path (it never reached VideoFailed, e.g. ' +
          'RecordFailure ran out of retries) whose video is still unsettled. Anything else answers 409 ' +
          'invalid_state with the reason: running, succeeded, timed out or stopped executions, one that ended in ' +
          'VideoFailed (its video was settled as failed; a redrive would fail again), or a video settled since. ' +
          'The redrive is recorded in the audit trail (GET /v1/admin/audit).',
        parameters: [VIDEO_ID],
        responses: {
          202: { description: 'Redriven: the execution runs again', content: jsonContent(ref('VideoRedrive')) },
          401: ERRORS[401],
          403: forbidden,
          404: ERRORS[404],
          409: errorResponse(
            'invalid_state: the execution is not one a redrive helps or is safe for (the message says why)',
          ),
          default: ERRORS.default,
        },
      },
    },
  };
}

const ENDPOINT_ID: Json = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'The webhook endpoint id (we_...)',
  schema: { type: 'string', minLength: 1, maxLength: 64 },
};

const ENDPOINT_NOT_FOUND = errorResponse('not_found: no such webhook endpoint, or not the caller’s (the same answer)');

/** The webhook endpoint routes (shared/webhooks). */
function webhookPaths(): Json {
  return {
    '/v1/webhook_endpoints': {
      post: {
        operationId: 'createWebhookEndpoint',
        summary: 'Register a URL that receives signed events about the caller’s videos',
        description:
          'Events: video.completed, video.failed, video.cancelled, each sent once per video and status change, ' +
          'at least once, signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature; body ' +
          '{id, object: "event", type, created_at, data: the video}). Failed deliveries (non-2xx, timeout, ' +
          'connection error) are retried with exponential backoff and jitter for 24 hours; an endpoint failing for ' +
          '3 days is disabled. The URL must be https and resolve to public addresses only (checked now and at every ' +
          'delivery; redirects are not followed). The answer carries the signing secret, shown only this once.',
        requestBody: jsonBody('CreateWebhookEndpointRequest'),
        responses: {
          201: { description: 'The endpoint and its secret', content: jsonContent(ref('WebhookEndpoint')) },
          400: errorResponse('invalid_parameter or missing_parameter; a URL the SSRF guard refuses has param url'),
          401: ERRORS[401],
          413: ERRORS[413],
          415: ERRORS[415],
          default: ERRORS.default,
        },
      },
      get: {
        operationId: 'listWebhookEndpoints',
        summary: 'The caller’s webhook endpoints, oldest first; pass next_cursor back as after',
        parameters: queryParameters(webhookListQuerySchema),
        responses: {
          200: { description: 'A page of endpoints (no secrets)', content: jsonContent(ref('WebhookEndpointList')) },
          400: ERRORS[400],
          401: ERRORS[401],
          default: ERRORS.default,
        },
      },
    },
    '/v1/webhook_endpoints/{id}': {
      get: {
        operationId: 'getWebhookEndpoint',
        summary: 'One of the caller’s webhook endpoints (no secret)',
        parameters: [ENDPOINT_ID],
        responses: {
          200: { description: 'The endpoint', content: jsonContent(ref('WebhookEndpoint')) },
          400: ERRORS[400],
          401: ERRORS[401],
          404: ENDPOINT_NOT_FOUND,
          default: ERRORS.default,
        },
      },
      delete: {
        operationId: 'deleteWebhookEndpoint',
        summary: 'Remove a webhook endpoint; deliveries under way stop at their next attempt',
        parameters: [ENDPOINT_ID],
        responses: {
          200: { description: 'Deleted', content: jsonContent(ref('DeletedWebhookEndpoint')) },
          400: ERRORS[400],
          401: ERRORS[401],
          404: ENDPOINT_NOT_FOUND,
          default: ERRORS.default,
        },
      },
    },
    '/v1/webhook_endpoints/{id}/rotate_secret': {
      post: {
        operationId: 'rotateWebhookSecret',
        summary: 'A new signing secret (shown once); the previous one keeps signing for 24 hours',
        description:
          'During the overlap every delivery carries one signature per valid secret in webhook-signature, so a ' +
          'receiver verifies with the old or the new secret.',
        parameters: [ENDPOINT_ID],
        requestBody: jsonBody('RotateWebhookSecretRequest', false),
        responses: {
          200: { description: 'The endpoint and its new secret', content: jsonContent(ref('WebhookEndpoint')) },
          400: ERRORS[400],
          401: ERRORS[401],
          404: ENDPOINT_NOT_FOUND,
          413: ERRORS[413],
          415: ERRORS[415],
          default: ERRORS.default,
        },
      },
    },
    '/v1/webhook_endpoints/{id}/deliveries': {
      get: {
        operationId: 'listWebhookDeliveries',
        summary:
          'The endpoint’s delivery log, newest first: status, attempts, last response code, timing, next attempt',
        parameters: [ENDPOINT_ID, ...queryParameters(webhookListQuerySchema)],
        responses: {
          200: { description: 'A page of deliveries (never a body)', content: jsonContent(ref('WebhookDeliveryList')) },
          400: ERRORS[400],
          401: ERRORS[401],
          404: ENDPOINT_NOT_FOUND,
          default: ERRORS.default,
        },
      },
    },
  };
}

/** The OpenAPI 3.1 document of the API, for the deployment's model allowlist. */
export function openApiDocument(options: { allowedModels: readonly string[] }): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'reelflow API',
      version: '1.0.0',
      description:
        'Turns text prompts into stored MP4 videos. JSON in and out; times are Unix seconds; money is integer ' +
        'micro-USD in *_micros fields. Every response carries x-request-id; errors repeat it in the body.',
    },
    security: [{ bearerAuth: [] }],
    paths: { ...paths(), ...moneyPaths(), ...operatorPaths(), ...webhookPaths() },
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'A Cognito access token (locally: `npm run token -- --user ID`); roles in cognito:groups',
        },
      },
      schemas: {
        ...componentSchemas(responseSchemas(), 'output'),
        ...componentSchemas(requestSchemas(options.allowedModels), 'input'),
      },
    },
  };
}

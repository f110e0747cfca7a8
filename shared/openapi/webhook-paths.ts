/* The webhook routes of the OpenAPI document (assembled in document.ts). */
import { webhookListQuerySchema } from '../webhooks/schemas';
import { ERRORS, errorResponse, type Json, jsonBody, jsonContent, PUBLIC, queryParameters, ref } from './parts';

const ENDPOINT_ID: Json = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'The webhook endpoint id (we_...)',
  schema: { type: 'string', minLength: 1, maxLength: 64 },
};

const ENDPOINT_NOT_FOUND = errorResponse('not_found: no such webhook endpoint, or not the caller’s (the same answer)');

/** The webhook endpoint routes (shared/webhooks). */
export function webhookPaths(): Json {
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
          'delivery; redirects are not followed). A user has at most 10 endpoints (WEBHOOK_MAX_ENDPOINTS), and at ' +
          'most 60 deliveries a minute start for their events (WEBHOOK_DELIVERIES_PER_MINUTE; every endpoint an event ' +
          'goes to counts): the rest wait for the next minute, listed as pending with next_attempt_at, never dropped. ' +
          'The answer carries the signing secret, shown only this once.',
        requestBody: jsonBody('CreateWebhookEndpointRequest'),
        responses: {
          201: { description: 'The endpoint and its secret', content: jsonContent(ref('WebhookEndpoint')) },
          400: errorResponse('invalid_parameter or missing_parameter; a URL the SSRF guard refuses has param url'),
          401: ERRORS[401],
          409: errorResponse('limit_exceeded (param url): the caller has as many endpoints as an account may have'),
          413: ERRORS[413],
          415: ERRORS[415],
          default: ERRORS.default,
        },
      },
      get: {
        operationId: 'listWebhookEndpoints',
        summary: 'The caller’s webhook endpoints, oldest first; pass next_cursor back as after',
        parameters: queryParameters(webhookListQuerySchema()),
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
        parameters: [ENDPOINT_ID, ...queryParameters(webhookListQuerySchema())],
        responses: {
          200: { description: 'A page of deliveries (never a body)', content: jsonContent(ref('WebhookDeliveryList')) },
          400: ERRORS[400],
          401: ERRORS[401],
          404: ENDPOINT_NOT_FOUND,
          default: ERRORS.default,
        },
      },
    },
    '/v1/provider/webhooks': { post: PROVIDER_WEBHOOK },
  };
}

/** The video provider's own events (not a client route): signed, not bearer-authenticated. */
const PROVIDER_WEBHOOK: Json = {
  operationId: 'receiveProviderWebhook',
  summary: 'Where the video provider sends its signed job events (no bearer token: the signature authenticates)',
  description:
    'Standard Webhooks: webhook-id, webhook-timestamp (within 5 minutes of now) and webhook-signature, an HMAC-SHA256 ' +
    'under the provider secret’s webhookSecret. The body is the provider’s event ({id, type, created_at, data: ' +
    '{id: the provider job id}}). A video.completed or video.failed event for a job of a video not yet settled ' +
    'resumes the video’s execution, after the job is read back from the provider; any other verified event ' +
    '(another type, an unknown job, a duplicate, a settled video) is acknowledged and changes nothing.',
  ...PUBLIC,
  parameters: ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((name) => ({
    name,
    in: 'header',
    required: true,
    schema: { type: 'string' },
  })),
  requestBody: {
    required: true,
    content: jsonContent({
      type: 'object',
      properties: {
        id: { type: 'string' },
        object: { type: 'string', const: 'event' },
        type: { type: 'string', examples: ['video.completed', 'video.failed'] },
        created_at: { type: 'integer' },
        data: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
      },
      required: ['id', 'type', 'data'],
    }),
  },
  responses: {
    200: {
      description: 'Received; outcome says what it changed',
      content: jsonContent({
        type: 'object',
        properties: {
          received: { type: 'boolean', const: true },
          outcome: {
            type: 'string',
            enum: [
              'ignored',
              'unknown_job',
              'settled',
              'correlated',
              'duplicate',
              'recorded',
              'not_finished',
              'taken',
              'completed',
              'failed',
              'woken',
              'late',
            ],
          },
        },
        required: ['received', 'outcome'],
      }),
    },
    400: errorResponse('invalid_json or invalid_parameter: a correctly signed body that is not a provider event'),
    401: errorResponse(
      'unauthenticated: signature headers missing, timestamp over 5 minutes off, or no matching signature',
    ),
    404: errorResponse('not_found: provider webhooks are not configured (the provider secret has no webhookSecret)'),
    413: errorResponse('payload_too_large: the body is over 64 KiB (no provider event is near that)'),
    default: ERRORS.default,
  },
};

import * as z from 'zod/mini';
import { pageCursorSchema, pageLimitSchema } from '../http/page-query';
import { lazy } from '../lazy';
import '../zod-messages';
import type { WebhookDeliveryRecord } from './deliveries';
import type { WebhookEndpointRecord } from './endpoints';
import { WEBHOOK_EVENT_TYPES } from './events';

/*
 * The webhook routes' request and response shapes (the OpenAPI document is built from them, shared/openapi).
 */

const eventsMessage = `events must be a non-empty list of ${WEBHOOK_EVENT_TYPES.join(', ')}`;

/** The body of `POST /v1/webhook_endpoints`. */
export const createWebhookEndpointBodySchema = lazy(() =>
  z
    .strictObject({
      url: z
        .string({ error: 'url must be a string' })
        .check(
          z.minLength(1, 'url is required'),
          z.maxLength(2048, 'url must be at most 2048 characters'),
          z.describe('Where events are POSTed: an https URL whose host resolves to public addresses only'),
        ),
      events: z.array(z.enum(WEBHOOK_EVENT_TYPES, { error: eventsMessage }), { error: eventsMessage }).check(
        z.minLength(1, eventsMessage),
        z.maxLength(WEBHOOK_EVENT_TYPES.length, eventsMessage),
        z.refine((events) => new Set(events).size === events.length, 'events must not repeat a type'),
        z.describe('The event types to receive'),
      ),
    })
    .check(z.describe('A new webhook endpoint')),
);

export type CreateWebhookEndpointBody = z.output<ReturnType<typeof createWebhookEndpointBodySchema>>;

/** The body of `POST /v1/webhook_endpoints/{id}/rotate_secret`, which may be left out. */
export const rotateWebhookSecretBodySchema = lazy(() =>
  z.strictObject({}).check(z.describe('Takes no parameters; a body, if sent, must be an empty JSON object')),
);

/** The path of the endpoint routes. */
export const webhookEndpointIdPathSchema = lazy(() =>
  z.object({
    id: z.string().check(z.minLength(1), z.maxLength(64), z.describe('The endpoint id (we_...)')),
  }),
);

/** The query of the two webhook lists. */
export const webhookListQuerySchema = lazy(() =>
  z
    .object({
      limit: pageLimitSchema(),
      after: pageCursorSchema(),
    })
    .check(z.describe('One page')),
);

export type WebhookListQuery = z.output<ReturnType<typeof webhookListQuerySchema>>;

/** An endpoint as the API shows it. */
export const webhookEndpointResourceSchema = lazy(() =>
  z
    .object({
      id: z.string(),
      object: z.literal('webhook_endpoint'),
      url: z.string(),
      events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
      status: z
        .enum(['enabled', 'disabled'])
        .check(z.describe('disabled: every delivery failed for 3 days; nothing is sent to it any more')),
      disabled_reason: z.nullable(z.string()).check(z.describe('Why it was disabled (null while enabled)')),
      disabled_at: z.nullable(z.number().check(z.int())),
      failing_since: z
        .nullable(z.number().check(z.int()))
        .check(z.describe('Unix seconds of the first failed attempt since the last success (null while it answers)')),
      created_at: z.number().check(z.int()),
      secret: z
        .optional(z.string())
        .check(
          z.describe(
            'The signing secret (whsec_...): only in the answers of the create and of rotate_secret, never again',
          ),
        ),
    })
    .check(z.describe('A URL that receives signed events (Standard Webhooks)')),
);

export type WebhookEndpointResource = z.output<ReturnType<typeof webhookEndpointResourceSchema>>;

/** A page of endpoints. */
export const webhookEndpointListSchema = lazy(() =>
  z.object({
    object: z.literal('list'),
    data: z.array(webhookEndpointResourceSchema()),
    first_id: z.nullable(z.string()),
    last_id: z.nullable(z.string()),
    has_more: z.boolean(),
    next_cursor: z.nullable(z.string()).check(z.describe('Pass back as after for the next page (null when none)')),
  }),
);

/** The answer of `DELETE /v1/webhook_endpoints/{id}`. */
export const deletedWebhookEndpointSchema = lazy(() =>
  z.object({
    id: z.string(),
    object: z.literal('webhook_endpoint.deleted'),
    deleted: z.literal(true),
  }),
);

/** A delivery as the API shows it (never a body). */
export const webhookDeliveryResourceSchema = lazy(() =>
  z
    .object({
      id: z.string().check(z.describe('The event id, which receivers get as webhook-id')),
      object: z.literal('webhook_delivery'),
      event_type: z.enum(WEBHOOK_EVENT_TYPES),
      video_id: z.string(),
      status: z
        .enum(['pending', 'retrying', 'succeeded', 'failed', 'skipped'])
        .check(
          z.describe(
            'retrying: the next attempt is at next_attempt_at; failed: no 2xx within 24 hours; skipped: the endpoint was disabled or deleted',
          ),
        ),
      attempts: z.number().check(z.int()),
      last_response_code: z
        .nullable(z.number().check(z.int()))
        .check(z.describe('The HTTP status of the last attempt (null: none, see last_error)')),
      last_error: z
        .nullable(z.string())
        .check(z.describe('Why the last attempt got no status: timeout, network, url_not_allowed, too_large')),
      last_attempt_at: z.nullable(z.number().check(z.int())),
      last_duration_ms: z.nullable(z.number().check(z.int())),
      next_attempt_at: z.nullable(z.number().check(z.int())),
      created_at: z.number().check(z.int()),
    })
    .check(z.describe('One event’s delivery to the endpoint')),
);

export type WebhookDeliveryResource = z.output<ReturnType<typeof webhookDeliveryResourceSchema>>;

/** A page of deliveries, newest first. */
export const webhookDeliveryListSchema = lazy(() =>
  z.object({
    object: z.literal('list'),
    data: z.array(webhookDeliveryResourceSchema()),
    first_id: z.nullable(z.string()),
    last_id: z.nullable(z.string()),
    has_more: z.boolean(),
    next_cursor: z.nullable(z.string()).check(z.describe('Pass back as after for the next page (null when none)')),
  }),
);

/** The endpoint's public shape; `secret` only when given (create, rotate). */
export function toWebhookEndpointResource(endpoint: WebhookEndpointRecord, secret?: string): WebhookEndpointResource {
  return {
    id: endpoint.endpointId,
    object: 'webhook_endpoint',
    url: endpoint.url,
    events: endpoint.events,
    status: endpoint.status,
    disabled_reason: endpoint.disabledReason ?? null,
    disabled_at: endpoint.disabledAt ?? null,
    failing_since: endpoint.failingSince ?? null,
    created_at: endpoint.createdAt,
    ...(secret === undefined ? {} : { secret }),
  };
}

/** The delivery's public shape. */
export function toWebhookDeliveryResource(delivery: WebhookDeliveryRecord): WebhookDeliveryResource {
  return {
    id: delivery.eventId,
    object: 'webhook_delivery',
    event_type: delivery.eventType,
    video_id: delivery.videoId,
    status: delivery.status,
    attempts: delivery.attempts,
    last_response_code: delivery.lastResponseCode,
    last_error: delivery.lastError,
    last_attempt_at: delivery.lastAttemptAt,
    last_duration_ms: delivery.lastDurationMs,
    next_attempt_at: delivery.nextAttemptAt,
    created_at: delivery.createdAt,
  };
}

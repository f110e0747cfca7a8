import * as z from 'zod/mini';
import { ValidationError } from '../../errors';
import type { ProviderWebhookEvent, ProviderWebhookScheme, WebhookHeaders } from '../port';
import {
  type SignedHeaders,
  STANDARD_WEBHOOK_HEADERS,
  timestampWithinTolerance,
  verifySignature,
} from '../webhooks/signature';

/** The events that end a job, and how; any other type is acknowledged and ignored. */
const OUTCOMES: ReadonlyMap<string, ProviderWebhookEvent['outcome']> = new Map([
  ['video.completed', 'completed'],
  ['video.failed', 'failed'],
]);

/** A provider event (Standard Webhooks payload of a `/v1/videos` provider); other fields are ignored. */
const providerEventSchema = z.object({
  id: z.string().check(z.minLength(1), z.maxLength(256)),
  type: z.string().check(z.minLength(1), z.maxLength(128)),
  created_at: z.optional(z.number()),
  data: z.object({ id: z.string().check(z.minLength(1), z.maxLength(256)) }),
});
export type ProviderEvent = z.infer<typeof providerEventSchema>;

/** Parses a verified body: not JSON → 400 `invalid_json`; not an event with `data.id` → 400 `invalid_parameter`. */
export function parseProviderEvent(body: string): ProviderEvent {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw Object.assign(new ValidationError('The event body is not valid JSON', null, 'invalid_json'), {
      cause: error,
    });
  }
  const parsed = providerEventSchema.safeParse(json);
  if (!parsed.success) {
    const param = parsed.error.issues[0]?.path.join('.') || null;
    throw new ValidationError('The event is not a provider video event (id, type, data.id)', param);
  }
  return parsed.data;
}

const signed = (headers: WebhookHeaders): SignedHeaders => ({
  'webhook-id': headers['webhook-id'],
  'webhook-timestamp': headers['webhook-timestamp'],
  'webhook-signature': headers['webhook-signature'],
});

/**
 * The `openai` kind's webhooks: events sent to the URL set in the provider's project, signed with Standard Webhooks
 * under the provider secret's `webhookSecret` (shared/provider/webhooks/signature.ts), `video.completed` and
 * `video.failed` naming the job in `data.id`.
 */
export const OPENAI_WEBHOOKS: ProviderWebhookScheme = {
  headers: STANDARD_WEBHOOK_HEADERS,
  verify: (body, headers, secret) => verifySignature(body, signed(headers), secret),
  couldVerifyAt: (headers, now) => timestampWithinTolerance(signed(headers), now),
  deliveryIdOf: (headers) => headers['webhook-id'],
  parseEvent: (body, headers) => {
    const event = parseProviderEvent(body);
    return {
      // Verified present: the signature covers it.
      deliveryId: headers['webhook-id'] ?? event.id,
      type: event.type,
      outcome: OUTCOMES.get(event.type),
      job: event.data.id,
    };
  },
};

import * as z from 'zod/mini';
import { PayloadTooLargeError, ValidationError } from '../../shared/errors';
import type { SignedHeaders } from '../../shared/provider-webhooks/signature';

/**
 * The largest provider event body accepted: 64 KiB, the API's JSON limit. A `/v1/videos` provider's events carry an
 * id, a type, a time and the job id (a few hundred bytes); anything near this is not one.
 */
export const MAX_PROVIDER_WEBHOOK_BYTES = 64 * 1024;

/** A provider webhook as the receiver needs it: the exact bytes that were signed, and the signature headers. */
export interface ProviderWebhookRequest {
  body: string;
  headers: SignedHeaders;
}

/**
 * The raw request: the body as it was signed (decoded when API Gateway base64-encoded it), over
 * {@link MAX_PROVIDER_WEBHOOK_BYTES} → 413 before anything else is looked at. Expects lower-cased headers.
 */
export function parseProviderWebhookRequest(event: {
  body?: unknown;
  isBase64Encoded?: boolean;
  headers?: Record<string, string | undefined>;
}): ProviderWebhookRequest {
  const raw = typeof event.body === 'string' ? event.body : '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.byteLength > MAX_PROVIDER_WEBHOOK_BYTES) {
    throw new PayloadTooLargeError(`A provider event must be at most ${MAX_PROVIDER_WEBHOOK_BYTES} bytes`);
  }
  const headers = event.headers ?? {};
  return {
    body: bytes.toString('utf8'),
    headers: {
      'webhook-id': headers['webhook-id'],
      'webhook-timestamp': headers['webhook-timestamp'],
      'webhook-signature': headers['webhook-signature'],
    },
  };
}

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

import { PayloadTooLargeError } from '../../shared/errors';
import { STANDARD_WEBHOOK_HEADERS } from '../../shared/provider/webhooks/signature';
import type { ProviderWebhookRequest } from './receive-provider-webhook';

/**
 * The largest provider event body accepted: 64 KiB, the API's JSON limit. A `/v1/videos` provider's events carry an
 * id, a type, a time and the job id (a few hundred bytes); anything near this is not one.
 */
export const MAX_PROVIDER_WEBHOOK_BYTES = 64 * 1024;

/**
 * The raw request: the body as it was signed (decoded when API Gateway base64-encoded it), over
 * {@link MAX_PROVIDER_WEBHOOK_BYTES} → 413 before anything else is looked at; of the headers (lower-cased), only those
 * the provider's webhook scheme reads (`headerNames`, the adapter's `webhooks.headers`; Standard Webhooks' by default).
 */
export function parseProviderWebhookRequest(
  event: {
    body?: unknown;
    isBase64Encoded?: boolean;
    headers?: Record<string, string | undefined>;
  },
  headerNames: readonly string[] = STANDARD_WEBHOOK_HEADERS,
): ProviderWebhookRequest {
  const raw = typeof event.body === 'string' ? event.body : '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.byteLength > MAX_PROVIDER_WEBHOOK_BYTES) {
    throw new PayloadTooLargeError(`A provider event must be at most ${MAX_PROVIDER_WEBHOOK_BYTES} bytes`);
  }
  const headers = event.headers ?? {};
  return {
    body: bytes.toString('utf8'),
    headers: Object.fromEntries(headerNames.map((name) => [name, headers[name]])),
  };
}

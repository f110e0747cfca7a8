import { parseRequest } from '../../shared/http/parse-request';
import type { Caller } from '../../shared/http/types';
import { createWebhookEndpointBodySchema } from '../../shared/webhooks/schemas';
import type { CreateWebhookEndpointInput } from './create-webhook-endpoint';

/** Reads `url` and `events` from the JSON body. */
export function parseCreateWebhookEndpointRequest(
  event: { body?: unknown },
  caller: Caller,
): CreateWebhookEndpointInput {
  return { caller, body: parseRequest(createWebhookEndpointBodySchema(), event.body) };
}

import { parseRequest } from '../../shared/http/parse-request';
import type { Caller } from '../../shared/http/types';
import { webhookEndpointIdPathSchema } from '../../shared/webhooks/schemas';
import type { DeleteWebhookEndpointInput } from './delete-webhook-endpoint';

/** Reads the endpoint id from the path. */
export function parseDeleteWebhookEndpointRequest(
  event: { pathParameters?: Record<string, string | undefined> },
  caller: Caller,
): DeleteWebhookEndpointInput {
  return { caller, endpointId: parseRequest(webhookEndpointIdPathSchema(), event.pathParameters ?? {}).id };
}

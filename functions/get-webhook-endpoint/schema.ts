import { parseRequest } from '../../shared/http/parse-request';
import type { Caller } from '../../shared/http/types';
import { webhookEndpointIdPathSchema } from '../../shared/webhooks/schemas';
import type { GetWebhookEndpointInput } from './get-webhook-endpoint';

/** Reads the endpoint id from the path. */
export function parseGetWebhookEndpointRequest(
  event: { pathParameters?: Record<string, string | undefined> },
  caller: Caller,
): GetWebhookEndpointInput {
  return { caller, endpointId: parseRequest(webhookEndpointIdPathSchema(), event.pathParameters ?? {}).id };
}

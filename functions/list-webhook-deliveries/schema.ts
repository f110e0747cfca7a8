import { parseRequest } from '../../shared/http/parse-request';
import type { Caller } from '../../shared/http/types';
import { webhookEndpointIdPathSchema, webhookListQuerySchema } from '../../shared/webhooks/schemas';
import type { ListWebhookDeliveriesInput } from './list-webhook-deliveries';

/** Reads the endpoint id from the path, limit and after from the query string. */
export function parseListWebhookDeliveriesRequest(
  event: {
    pathParameters?: Record<string, string | undefined>;
    queryStringParameters?: Record<string, string | undefined>;
  },
  caller: Caller,
): ListWebhookDeliveriesInput {
  return {
    caller,
    endpointId: parseRequest(webhookEndpointIdPathSchema(), event.pathParameters ?? {}).id,
    query: parseRequest(webhookListQuerySchema(), event.queryStringParameters ?? {}),
  };
}

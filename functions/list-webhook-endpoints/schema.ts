import { parseRequest } from '../../shared/http/parse-request';
import type { Caller } from '../../shared/http/types';
import { webhookListQuerySchema } from '../../shared/webhooks/schemas';
import type { ListWebhookEndpointsInput } from './list-webhook-endpoints';

/** Reads limit and after from the query string. */
export function parseListWebhookEndpointsRequest(
  event: { queryStringParameters?: Record<string, string | undefined> },
  caller: Caller,
): ListWebhookEndpointsInput {
  return { caller, query: parseRequest(webhookListQuerySchema(), event.queryStringParameters ?? {}) };
}

import { listPage } from '../../shared/http/responses';
import type { Caller } from '../../shared/http/types';
import type { WebhookDeliveryLog } from '../../shared/webhooks/deliveries';
import { findOwnEndpoint, type WebhookEndpointStore } from '../../shared/webhooks/endpoints';
import { toWebhookDeliveryResource, type WebhookListQuery } from '../../shared/webhooks/schemas';

export interface ListWebhookDeliveriesInput {
  caller: Caller;
  endpointId: string;
  query: WebhookListQuery;
}

export interface ListWebhookDeliveriesDeps {
  endpoints: Pick<WebhookEndpointStore, 'get'>;
  deliveries: Pick<WebhookDeliveryLog, 'list'>;
}

/**
 * GET /v1/webhook_endpoints/{id}/deliveries: the caller's endpoint's delivery log (404 for anyone else's), newest
 * first: status, attempts, last response code, timing and the next attempt; never a body.
 */
export async function listWebhookDeliveries(input: ListWebhookDeliveriesInput, deps: ListWebhookDeliveriesDeps) {
  const endpoint = await findOwnEndpoint(deps.endpoints, input.caller.userId, input.endpointId);
  const page = await deps.deliveries.list(endpoint.endpointId, {
    limit: input.query.limit,
    ...(input.query.after === undefined ? {} : { after: input.query.after }),
  });
  return listPage(page.items.map(toWebhookDeliveryResource), page.nextCursor);
}

import { listPage } from '../../shared/http/responses';
import type { Caller } from '../../shared/http/types';
import type { WebhookEndpointStore } from '../../shared/webhooks/endpoints';
import { toWebhookEndpointResource, type WebhookListQuery } from '../../shared/webhooks/schemas';

export interface ListWebhookEndpointsInput {
  caller: Caller;
  query: WebhookListQuery;
}

export interface ListWebhookEndpointsDeps {
  endpoints: Pick<WebhookEndpointStore, 'list'>;
}

/** GET /v1/webhook_endpoints: the caller's endpoints, oldest first, one page (`after` = the previous next_cursor). */
export async function listWebhookEndpoints(input: ListWebhookEndpointsInput, deps: ListWebhookEndpointsDeps) {
  const page = await deps.endpoints.list(input.caller.userId, {
    limit: input.query.limit,
    ...(input.query.after === undefined ? {} : { after: input.query.after }),
  });
  return listPage(
    page.items.map((endpoint) => toWebhookEndpointResource(endpoint)),
    page.nextCursor,
  );
}

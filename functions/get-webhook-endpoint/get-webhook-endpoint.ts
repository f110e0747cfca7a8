import type { Caller } from '../../shared/http/types';
import { findOwnEndpoint, type WebhookEndpointStore } from '../../shared/webhooks/endpoints';
import { toWebhookEndpointResource, type WebhookEndpointResource } from '../../shared/webhooks/schemas';

export interface GetWebhookEndpointInput {
  caller: Caller;
  endpointId: string;
}

export interface GetWebhookEndpointDeps {
  endpoints: Pick<WebhookEndpointStore, 'get'>;
}

/** GET /v1/webhook_endpoints/{id}: the caller's endpoint (404 for anyone else's), without its secret. */
export async function getWebhookEndpoint(
  input: GetWebhookEndpointInput,
  deps: GetWebhookEndpointDeps,
): Promise<WebhookEndpointResource> {
  return toWebhookEndpointResource(await findOwnEndpoint(deps.endpoints, input.caller.userId, input.endpointId));
}

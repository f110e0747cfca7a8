import { NotFoundError } from '../../shared/errors';
import type { Caller } from '../../shared/http/types';
import type { AppLogger } from '../../shared/observability/powertools';
import { WEBHOOK_ENDPOINT_ID_PREFIX, type WebhookEndpointStore } from '../../shared/webhooks/endpoints';

export interface DeleteWebhookEndpointInput {
  caller: Caller;
  endpointId: string;
}

export interface DeleteWebhookEndpointDeps {
  endpoints: Pick<WebhookEndpointStore, 'delete'>;
  logger: Pick<AppLogger, 'info' | 'appendKeys'>;
}

/**
 * DELETE /v1/webhook_endpoints/{id}: removes the caller's endpoint (404 for anyone else's). Deliveries already under
 * way find it gone at their next attempt and stop.
 */
export async function deleteWebhookEndpoint(input: DeleteWebhookEndpointInput, deps: DeleteWebhookEndpointDeps) {
  const found =
    input.endpointId.startsWith(WEBHOOK_ENDPOINT_ID_PREFIX) &&
    (await deps.endpoints.delete(input.caller.userId, input.endpointId));
  if (!found) throw new NotFoundError('No such webhook endpoint');
  deps.logger.appendKeys({ userId: input.caller.userId, endpointId: input.endpointId });
  deps.logger.info('Webhook endpoint deleted');
  return { id: input.endpointId, object: 'webhook_endpoint.deleted' as const, deleted: true as const };
}

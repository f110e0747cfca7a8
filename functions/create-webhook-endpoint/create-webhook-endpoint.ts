import { LimitExceededError } from '../../shared/errors';
import type { Caller } from '../../shared/http/types';
import type { AppLogger } from '../../shared/observability/powertools';
import { unixSeconds } from '../../shared/video/video';
import {
  newWebhookEndpointId,
  newWebhookSecret,
  type WebhookEndpointRecord,
  type WebhookEndpointStore,
} from '../../shared/webhooks/endpoints';
import type { CreateWebhookEndpointBody, WebhookEndpointResource } from '../../shared/webhooks/schemas';
import { toWebhookEndpointResource } from '../../shared/webhooks/schemas';
import { checkEndpointUrl, type EndpointUrlPolicy } from '../../shared/webhooks/url-policy';

export interface CreateWebhookEndpointInput {
  caller: Caller;
  body: CreateWebhookEndpointBody;
}

export interface CreateWebhookEndpointDeps {
  endpoints: Pick<WebhookEndpointStore, 'create'>;
  urlPolicy: EndpointUrlPolicy;
  /** How many endpoints a user may have (WEBHOOK_MAX_ENDPOINTS): every event fans out to each of them. */
  maxEndpoints: number;
  clock: () => Date;
  logger: Pick<AppLogger, 'info' | 'appendKeys'>;
}

/**
 * POST /v1/webhook_endpoints: registers a URL for the caller's events. The URL must pass the SSRF guard now (400 on
 * `url` otherwise) and passes it again at every delivery. A user with `maxEndpoints` already gets 409
 * `limit_exceeded` on `url`. The answer carries the signing secret, the only time it is shown.
 */
export async function createWebhookEndpoint(
  input: CreateWebhookEndpointInput,
  deps: CreateWebhookEndpointDeps,
): Promise<WebhookEndpointResource> {
  const url = await checkEndpointUrl(input.body.url, deps.urlPolicy);
  const now = unixSeconds(deps.clock());
  const secret = newWebhookSecret();
  const endpoint: WebhookEndpointRecord = {
    endpointId: newWebhookEndpointId(now * 1000),
    userId: input.caller.userId,
    url,
    events: input.body.events,
    status: 'enabled',
    secrets: [{ secret, createdAt: now }],
    createdAt: now,
    updatedAt: now,
  };
  if (!(await deps.endpoints.create(endpoint, deps.maxEndpoints))) {
    throw new LimitExceededError(
      `You have ${deps.maxEndpoints} webhook endpoints, the most an account may have; delete one before adding another`,
      'url',
    );
  }
  deps.logger.appendKeys({ userId: endpoint.userId, endpointId: endpoint.endpointId });
  // The host only: a URL's path or query may carry the receiver's own token.
  deps.logger.info('Webhook endpoint created', { host: new URL(url).host, events: endpoint.events });
  return toWebhookEndpointResource(endpoint, secret);
}

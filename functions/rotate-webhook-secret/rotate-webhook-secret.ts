import { NotFoundError } from '../../shared/errors';
import type { Caller } from '../../shared/http/types';
import type { AppLogger } from '../../shared/observability/powertools';
import { unixSeconds } from '../../shared/video/video';
import {
  findOwnEndpoint,
  newWebhookSecret,
  ROTATION_OVERLAP_SECONDS,
  type WebhookEndpointStore,
} from '../../shared/webhooks/endpoints';
import { toWebhookEndpointResource, type WebhookEndpointResource } from '../../shared/webhooks/schemas';

export interface RotateWebhookSecretInput {
  caller: Caller;
  endpointId: string;
}

export interface RotateWebhookSecretDeps {
  endpoints: Pick<WebhookEndpointStore, 'get' | 'rotate'>;
  clock: () => Date;
  logger: Pick<AppLogger, 'info' | 'appendKeys'>;
}

/**
 * POST /v1/webhook_endpoints/{id}/rotate_secret: a new signing secret for the caller's endpoint (404 for anyone
 * else's), shown in this answer only. The previous secret keeps signing for 24 hours: every delivery meanwhile
 * carries one signature per secret (Standard Webhooks allows several), so a receiver verifies with either.
 */
export async function rotateWebhookSecret(
  input: RotateWebhookSecretInput,
  deps: RotateWebhookSecretDeps,
): Promise<WebhookEndpointResource> {
  await findOwnEndpoint(deps.endpoints, input.caller.userId, input.endpointId);
  const secret = newWebhookSecret();
  const rotated = await deps.endpoints.rotate(input.caller.userId, input.endpointId, secret, unixSeconds(deps.clock()));
  if (rotated === undefined) throw new NotFoundError('No such webhook endpoint');
  deps.logger.appendKeys({ userId: input.caller.userId, endpointId: input.endpointId });
  deps.logger.info('Webhook secret rotated', { previousValidForSeconds: ROTATION_OVERLAP_SECONDS });
  return toWebhookEndpointResource(rotated, secret);
}

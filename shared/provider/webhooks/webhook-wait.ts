import type { WebhookSecretResolver } from './signature';
import { webhookWaitSeconds } from './wait-policy';

export { WEBHOOK_WAIT_POLICY, webhookWaitSeconds } from './wait-policy';

/** What CreateGenerationJob adds to an accepted job's state: the route DoesProviderSendWebhooks takes. */
export interface WebhookRoute {
  /** The provider sends this job's events: wait for them (WaitForProviderWebhook), else poll. */
  webhooks: boolean;
  /** The wait's TimeoutSeconds (WaitForProviderWebhook's TimeoutSecondsPath); present when `webhooks`. */
  webhookWaitSeconds?: number;
}

/**
 * Whether the provider sends webhooks: the provider secret has a `webhookSecret` (the receiver can verify them) and
 * PROVIDER_WEBHOOKS is not `off` (an operator forcing the polling path).
 */
export function webhookRouter(config: {
  setting: 'on' | 'off';
  secret: () => ReturnType<WebhookSecretResolver>;
  slotLeaseSeconds: number;
  waitSecondsOverride?: number;
}): () => Promise<WebhookRoute> {
  const waitSeconds = webhookWaitSeconds(config.slotLeaseSeconds, config.waitSecondsOverride);
  return async () => {
    if (config.setting === 'off') return { webhooks: false };
    if ((await config.secret()) === undefined) return { webhooks: false };
    return { webhooks: true, webhookWaitSeconds: waitSeconds };
  };
}

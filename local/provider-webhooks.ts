import type { LocalConfig } from './config';

/** Where providers send their job events: the receiver route (infra/api-routes.ts). */
export const PROVIDER_WEBHOOK_PATH = '/v1/provider/webhooks';

/**
 * Whether the provider's webhooks are used locally, and how. On (PROVIDER_WEBHOOKS, the default) with the emulator and
 * a `webhookSecret` in the provider secret: the emulator signs its events with that secret and sends them to the local
 * receiver (`emulatorTarget`, whose URL is set once the API listens). A provider secret without `webhookSecret`, or
 * PROVIDER_WEBHOOKS=off: no events are sent (the receiver answers 404 without a secret) and videos finish by polling.
 */
export function providerWebhooks(
  config: Pick<LocalConfig, 'providerWebhooks' | 'providerBaseUrl'>,
  providerSecrets: Array<Record<string, unknown>>,
): { emulatorTarget: { url: string; secret: string } | undefined; describe(baseUrl: string): string } {
  const secret = providerSecrets
    .map((value) => value.webhookSecret)
    .find((value) => typeof value === 'string' && value);
  if (!config.providerWebhooks) {
    return { emulatorTarget: undefined, describe: () => 'off (PROVIDER_WEBHOOKS=off): polling only' };
  }
  if (typeof secret !== 'string') {
    return {
      emulatorTarget: undefined,
      describe: () => 'not configured (the provider secret has no webhookSecret): polling only',
    };
  }
  if (config.providerBaseUrl) {
    return {
      emulatorTarget: undefined,
      describe: (baseUrl) =>
        `a real provider: have it sign with the provider secret's webhookSecret and send to ${baseUrl}${PROVIDER_WEBHOOK_PATH} (reachable from it), else polling only`,
    };
  }
  const emulatorTarget = { url: '', secret };
  return {
    emulatorTarget,
    describe: (baseUrl) => `the emulator sends signed events to ${baseUrl}${PROVIDER_WEBHOOK_PATH}`,
  };
}

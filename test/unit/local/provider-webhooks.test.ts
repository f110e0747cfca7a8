import { describe, expect, it } from 'vitest';
import { readLocalConfig } from '../../../local/config';
import { providerWebhooks } from '../../../local/provider-webhooks';

const BASE = 'http://127.0.0.1:3000';

describe('local provider webhooks', () => {
  it('returns an emulator target signing with the provider secret’s webhookSecret when webhooks are on (the default)', () => {
    const config = readLocalConfig({});

    const webhooks = providerWebhooks(config, [{ apiKey: 'k', webhookSecret: 'local-secret' }]);

    expect(config.providerWebhooks).toBe(true);
    expect(webhooks.emulatorTarget).toEqual({ url: '', secret: 'local-secret' });
    expect(webhooks.describe(BASE)).toBe(`the emulator sends signed events to ${BASE}/v1/provider/webhooks`);
  });

  it('returns no target and says polling only when PROVIDER_WEBHOOKS=off or the secret has no webhookSecret', () => {
    const off = providerWebhooks(readLocalConfig({ PROVIDER_WEBHOOKS: 'off' }), [{ webhookSecret: 's' }]);
    const unconfigured = providerWebhooks(readLocalConfig({}), [{ apiKey: 'k' }]);

    expect(off.emulatorTarget).toBeUndefined();
    expect(off.describe(BASE)).toBe('off (PROVIDER_WEBHOOKS=off): polling only');
    expect(unconfigured.emulatorTarget).toBeUndefined();
    expect(unconfigured.describe(BASE)).toBe('not configured (the provider secret has no webhookSecret): polling only');
  });

  it('returns no emulator target with a real provider, and throws for a PROVIDER_WEBHOOKS other than on or off', () => {
    const real = providerWebhooks(readLocalConfig({ PROVIDER_BASE_URL: 'https://provider.example/v1' }), [
      { webhookSecret: 's' },
    ]);

    expect(real.emulatorTarget).toBeUndefined();
    expect(real.describe(BASE)).toContain(`${BASE}/v1/provider/webhooks`);
    expect(() => readLocalConfig({ PROVIDER_WEBHOOKS: 'yes' })).toThrow('PROVIDER_WEBHOOKS must be on or off');
  });
});

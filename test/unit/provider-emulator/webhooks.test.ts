import { describe, expect, it } from 'vitest';
import { signWebhook } from '../../../local/provider-emulator/webhooks';

describe('provider emulator webhook signing', () => {
  it('returns the Standard Webhooks reference signature when given the reference inputs', () => {
    // Test vector published in the Standard Webhooks specification.
    const signature = signWebhook(
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      1614265330,
      '{"test": 2432232314}',
    );

    expect(signature).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });
});

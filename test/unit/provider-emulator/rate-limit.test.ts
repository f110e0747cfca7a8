import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiError } from '../../../local/provider-emulator/api-error';
import { FaultState } from '../../../local/provider-emulator/faults';
import type { Headers } from '../../../local/provider-emulator/http-reply';
import { RequestRateLimiter } from '../../../local/provider-emulator/rate-limit';

function refusal(limiter: RequestRateLimiter): ApiError | undefined {
  try {
    limiter.check({} as Headers, null);
    return undefined;
  } catch (error) {
    return error as ApiError;
  }
}

describe('provider emulator request rate limiter', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_700_000_000_000);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('returns 429 with retry-after in unscaled seconds, and frees the window after 60 s × the time scale', () => {
    // Prepare: 2 requests a minute, time scale 0.1 (the window lasts 6 s).
    const limiter = new RequestRateLimiter(new FaultState({ requests_per_minute: 2 }), 0.1);
    limiter.check({} as Headers, null);
    limiter.check({} as Headers, null);

    // Act
    const limited = refusal(limiter);
    vi.setSystemTime(1_700_000_005_999);
    const stillLimited = refusal(limiter);
    vi.setSystemTime(1_700_000_006_000);
    const freed = refusal(limiter);

    // Assess
    expect(limited).toMatchObject({ status: 429 });
    expect(limited?.headers?.['retry-after']).toBe('60');
    expect(stillLimited?.headers?.['retry-after']).toBe('1');
    expect(freed).toBeUndefined();
  });
});

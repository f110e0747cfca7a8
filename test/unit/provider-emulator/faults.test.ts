import { describe, expect, it } from 'vitest';
import { FaultState, faultsSchema } from '../../../local/provider-emulator/faults';

describe('provider emulator faults', () => {
  it('returns merged faults and drops a fault when it is patched with null', () => {
    const faults = new FaultState({ requests_per_minute: 10 });

    faults.merge({ slow_download_bytes_per_second: 1000 });
    faults.merge({ requests_per_minute: null });

    expect(faults.current()).toEqual({ slow_download_bytes_per_second: 1000 });
  });

  it('returns a failure plan only for matching prompts and only for the next N jobs when counted', () => {
    const faults = new FaultState({ fail_generation: { code: 'moderation_blocked', match: '[bad]', count: 2 } });

    const other = faults.planJob('a calm lake');
    const first = faults.planJob('[bad] one');
    const second = faults.planJob('[bad] two');
    const third = faults.planJob('[bad] three');

    expect(other.failure).toBeNull();
    expect(first.failure?.code).toBe('moderation_blocked');
    expect(second.failure?.message).toMatch(/moderation/);
    expect(third.failure).toBeNull();
  });

  it('returns the drop size once by default when a download drop is set', () => {
    const faults = new FaultState({ drop_download_after_bytes: { bytes: 100 } });

    expect(faults.takeDropDownload('x')).toEqual({ bytes: 100, holdMs: 0 });
    expect(faults.takeDropDownload('x')).toBeNull();
  });

  it('returns the hold before the drop when one is set', () => {
    const faults = new FaultState({ drop_download_after_bytes: { bytes: 100, hold_ms: 2500 } });

    expect(faults.takeDropDownload('x')).toEqual({ bytes: 100, holdMs: 2500 });
  });

  it('returns 429 storm and error burst answers for exactly their count, on their routes only', () => {
    const faults = new FaultState({
      rate_limit_storm: { count: 1 },
      error_burst: { status: 503, count: 2, routes: ['retrieve'] },
    });

    expect(faults.takeRateLimitStorm()).not.toBeNull();
    expect(faults.takeRateLimitStorm()).toBeNull();
    expect(faults.takeErrorBurst('create')).toBeNull();
    expect(faults.takeErrorBurst('retrieve')).toBe(503);
    expect(faults.takeErrorBurst('retrieve')).toBe(503);
    expect(faults.takeErrorBurst('retrieve')).toBeNull();
  });

  it('returns 429 storm and error burst answers only for matching prompts, counting only those, when matched', () => {
    const faults = new FaultState({
      rate_limit_storm: { count: 1, match: '[mine]' },
      error_burst: { status: 500, count: 1, routes: ['retrieve'], match: '[mine]' },
    });

    expect(faults.matchesPrompts).toBe(true);
    expect(faults.takeRateLimitStorm(null)).toBeNull();
    expect(faults.takeRateLimitStorm('a prompt of someone else')).toBeNull();
    expect(faults.takeRateLimitStorm('a prompt [mine]')).not.toBeNull();
    expect(faults.takeRateLimitStorm('a prompt [mine]')).toBeNull();
    expect(faults.takeErrorBurst('retrieve', 'a prompt of someone else')).toBeNull();
    expect(faults.takeErrorBurst('create', 'a prompt [mine]')).toBeNull();
    expect(faults.takeErrorBurst('retrieve', 'a prompt [mine]')).toBe(500);
    expect(faults.takeErrorBurst('retrieve', 'a prompt [mine]')).toBeNull();
    expect(faults.matchesPrompts).toBe(false);
  });

  it('rejects unknown fault names and out-of-range values when parsing fault JSON', () => {
    expect(faultsSchema.safeParse({ never_finish: {} }).success).toBe(true);
    expect(faultsSchema.safeParse({ explode: true }).success).toBe(false);
    expect(faultsSchema.safeParse({ error_burst: { status: 404, count: 1 } }).success).toBe(false);
    expect(faultsSchema.safeParse({ rate_limit_storm: { count: 1, retry_after_seconds: 61 } }).success).toBe(false);
  });
});

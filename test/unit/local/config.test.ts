import { describe, expect, it } from 'vitest';
import { readLocalConfig } from '../../../local/config';

describe('local config LOCAL_TIME_SCALE', () => {
  it('returns the scale as a number, and none when unset', () => {
    expect(readLocalConfig({ LOCAL_TIME_SCALE: '0.1' }).timeScale).toBe(0.1);
    expect(readLocalConfig({}).timeScale).toBeUndefined();
  });

  it('throws for a scale that is not a positive number', () => {
    expect(() => readLocalConfig({ LOCAL_TIME_SCALE: '0' })).toThrow(/LOCAL_TIME_SCALE must be a positive number/);
    expect(() => readLocalConfig({ LOCAL_TIME_SCALE: 'fast' })).toThrow(/LOCAL_TIME_SCALE must be a positive number/);
  });

  it('throws when LOCAL_WAIT_MS is set too, as the two cannot both decide the waits', () => {
    expect(() => readLocalConfig({ LOCAL_TIME_SCALE: '0.1', LOCAL_WAIT_MS: '50' })).toThrow(/not both/);
  });
});

describe('local config: the admission gate under LOCAL_TIME_SCALE', () => {
  it('returns the gate settings given, and no window of its own, without a time scale', () => {
    expect(
      readLocalConfig({ PROVIDER_REQUESTS_PER_MINUTE: '20', PROVIDER_SLOT_LEASE_SECONDS: '60' }).providerLimits,
    ).toEqual({
      PROVIDER_REQUESTS_PER_MINUTE: '20',
      PROVIDER_SLOT_LEASE_SECONDS: '60',
    });
  });

  it('returns the rate window and the lease (given or the default 900 s) shortened by the scale', () => {
    expect(readLocalConfig({ LOCAL_TIME_SCALE: '0.1', PROVIDER_SLOT_LEASE_SECONDS: '60' }).providerLimits).toEqual({
      PROVIDER_SLOT_LEASE_SECONDS: '6',
      PROVIDER_RATE_WINDOW_SECONDS: '6',
    });
    expect(readLocalConfig({ LOCAL_TIME_SCALE: '0.5' }).providerLimits).toEqual({
      PROVIDER_SLOT_LEASE_SECONDS: '450',
      PROVIDER_RATE_WINDOW_SECONDS: '30',
    });
  });
});

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

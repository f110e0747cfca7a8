import { describe, expect, it } from 'vitest';
import { isLoopbackAddress } from '../../../local/provider-emulator/server';

describe('provider emulator server', () => {
  it('returns true only for loopback clients when guarding the control routes', () => {
    expect(['127.0.0.1', '127.0.0.2', '::1', '::ffff:127.0.0.1'].map(isLoopbackAddress)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['10.0.0.5', '192.168.1.2', '::ffff:10.0.0.5', 'fe80::1', '', undefined].map(isLoopbackAddress)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});

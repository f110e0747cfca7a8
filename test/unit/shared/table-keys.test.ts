import { describe, expect, it } from 'vitest';
import {
  idempotencyGuardKey,
  ledgerKey,
  ledgerPrefix,
  reconcileDueUpTo,
  reconcileKey,
  usageIndexKeys,
  videoIndexKeys,
  workItemKey,
} from '../../../shared/table-keys';

describe('table-keys', () => {
  it('returns due-time sort keys that order by time as strings when due times differ in digits', () => {
    const early = reconcileKey(999, 'vid_b').sk;
    const late = reconcileKey(1_000, 'vid_a').sk;

    expect(early).toBe('0000000999#vid_b');
    expect(early < late).toBe(true);
    expect(late <= reconcileDueUpTo(1_000)).toBe(true);
    expect(reconcileKey(1_001, 'vid_a').sk <= reconcileDueUpTo(1_000)).toBe(false);
  });

  it('returns the kind as a suffix of a work item key except for provider jobs', () => {
    expect(workItemKey({ dueAt: 5, videoId: 'v' })).toEqual(reconcileKey(5, 'v'));
    expect(workItemKey({ kind: 'provider_job', dueAt: 5, videoId: 'v' })).toEqual(reconcileKey(5, 'v'));
    expect(workItemKey({ kind: 'deadline', dueAt: 5, videoId: 'v' }).sk).toBe('0000000005#v#deadline');
  });

  it('returns a ledger key under its month prefix in the user partition', () => {
    expect(ledgerKey('alice', '2026-11', 'vid_1')).toEqual({ pk: 'USER#alice', sk: 'LEDGER#2026-11#vid_1' });
    expect(ledgerKey('alice', '2026-11', 'vid_1').sk.startsWith(ledgerPrefix('2026-11'))).toBe(true);
  });

  it('returns index keys that list a user’s videos and a month’s users', () => {
    expect(videoIndexKeys('alice', 'vid_1')).toEqual({ gsi1pk: 'USER#alice', gsi1sk: 'VIDEO#vid_1' });
    expect(usageIndexKeys('alice', '2026-11')).toEqual({ gsi2pk: 'USAGE#2026-11', gsi2sk: 'USER#alice' });
  });

  it('returns an Idempotency-Key claim key that holds a hash, never the client’s key', () => {
    const key = idempotencyGuardKey('alice', 'secret-ish key');

    expect(key.pk).toBe('USER#alice');
    expect(key.sk).toMatch(/^IDEMPOTENCY#[0-9a-f]{64}$/);
    expect(key.sk).not.toContain('secret-ish');
  });
});

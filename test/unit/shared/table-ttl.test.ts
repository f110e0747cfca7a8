import { describe, expect, it } from 'vitest';
import { reconcileItem } from '../../../shared/money/reconciliation';
import { dayCounterPurgeAt, TABLE_TTL_ATTRIBUTE, workItemPurgeAt } from '../../../shared/table-ttl';

describe('table-ttl', () => {
  it('returns the end of the next UTC day for a day counter (the daily quota only reads today’s)', () => {
    expect(dayCounterPurgeAt('2026-11-21')).toBe(Date.parse('2026-11-23T00:00:00Z') / 1000);
    expect(dayCounterPurgeAt('2026-12-31')).toBe(Date.parse('2027-01-02T00:00:00Z') / 1000);
  });

  it('returns 30 days after it fell due for a work item, and moves with the item when it is rescheduled', () => {
    const item = {
      kind: 'provider_job' as const,
      videoId: 'vid_1',
      userId: 'alice',
      providerVideoId: 'video_1',
      reason: 'cancelled' as const,
      givenUpAt: 1_000,
      dueAt: 2_000,
      checks: 0,
    };

    expect(workItemPurgeAt(2_000)).toBe(2_000 + 30 * 24 * 3600);
    expect(reconcileItem(item)[TABLE_TTL_ATTRIBUTE]).toBe(workItemPurgeAt(2_000));
    expect(reconcileItem({ ...item, dueAt: 9_000 })[TABLE_TTL_ATTRIBUTE]).toBe(workItemPurgeAt(9_000));
  });
});

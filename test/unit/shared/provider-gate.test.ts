import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProviderGate, type ProviderGateLimits } from '../../../shared/provider-gate/provider-gate';
import { type LocalTable, startLocalTable } from '../../helpers/dynamodb-local';

/* The provider admission gate against AWS's DynamoDB Local: its conditional writes are what keeps it correct. */

const LIMITS: ProviderGateLimits = { maxConcurrentJobs: 3, requestsPerMinute: 60, leaseSeconds: 60, burst: 3 };

let local: LocalTable;
let table: string;
let now: Date;
let providers = 0;

function gate(limits: Partial<ProviderGateLimits> = {}, provider = `provider-${++providers}`): ProviderGate {
  return new ProviderGate({
    ddb: local.documents,
    tableName: table,
    provider,
    limits: { ...LIMITS, ...limits },
    clock: () => now,
  });
}

const later = (seconds: number) => {
  now = new Date(now.getTime() + seconds * 1000);
};

beforeAll(async () => {
  local = await startLocalTable();
  table = await local.createTable('provider-gate');
});
afterAll(async () => {
  await local?.stop();
});
beforeEach(() => {
  now = new Date('2026-11-27T12:00:00Z');
});

describe('ProviderGate', () => {
  it('returns granted to maxConcurrentJobs holders, then a queued decision with a ticket and position', async () => {
    const subject = gate();

    const granted = await Promise.all(['a', 'b', 'c'].map((id) => subject.acquireSlot(id)));
    const fourth = await subject.acquireSlot('d');
    const fifth = await subject.acquireSlot('e');

    expect(granted.every((decision) => decision.granted)).toBe(true);
    expect(fourth).toMatchObject({ granted: false, position: 1 });
    expect(fifth).toMatchObject({ granted: false, position: 2 });
    expect(fourth.granted === false && fifth.granted === false && fourth.ticket! < fifth.ticket!).toBe(true);
    expect((await subject.snapshot()).running.sort()).toEqual(['a', 'b', 'c']);
  });

  it('returns granted to at most maxConcurrentJobs of 20 concurrent takers (conditional writes, lost races wait)', async () => {
    const subject = gate();

    const decisions = await Promise.all(Array.from({ length: 20 }, (_, i) => subject.acquireSlot(`video-${i}`)));

    expect(decisions.filter((decision) => decision.granted)).toHaveLength(3);
    expect((await subject.snapshot()).running).toHaveLength(3);
  });

  it('frees and renews slots while a crowd of waiters writes the same item, without losing either', async () => {
    const subject = gate({ maxConcurrentJobs: 3, leaseSeconds: 60 });
    await Promise.all(['done-1', 'done-2', 'running'].map((holder) => subject.acquireSlot(holder)));

    // 40 new waiters write their queue entries while two holders release and one renews.
    await Promise.all([
      ...Array.from({ length: 40 }, (_, i) => subject.acquireSlot(`waiter-${i}`)),
      subject.releaseSlot('done-1'),
      subject.releaseSlot('done-2'),
      subject.renewSlot('running'),
    ]);
    later(59);
    const { running } = await subject.snapshot();

    // The freed slots may have gone to waiters; the released holders hold none, the renewed one still does.
    expect(running).toContain('running');
    expect(running).not.toContain('done-1');
    expect(running).not.toContain('done-2');
    expect(running.length).toBeLessThanOrEqual(3);
  });

  it('returns granted again to a holder that asks twice, without taking a second slot', async () => {
    const subject = gate({ maxConcurrentJobs: 1 });

    await subject.acquireSlot('a');
    const again = await subject.acquireSlot('a');

    expect(again.granted).toBe(true);
    expect((await subject.snapshot()).running).toEqual(['a']);
  });

  it('serves waiters first come first served once a slot is released, whoever asks first', async () => {
    const subject = gate({ maxConcurrentJobs: 1 });
    await subject.acquireSlot('holder');
    const early = await subject.acquireSlot('early');
    const late = await subject.acquireSlot('late');
    await subject.releaseSlot('holder');

    const lateAgain = await subject.acquireSlot('late', late.granted ? undefined : late.ticket);
    const earlyAgain = await subject.acquireSlot('early', early.granted ? undefined : early.ticket);

    expect(lateAgain).toMatchObject({ granted: false, position: 1 });
    expect(earlyAgain.granted).toBe(true);
  });

  it('lets the waiter behind a cancelled one take the freed slot at once when the cancelled one leaves the line', async () => {
    const subject = gate({ maxConcurrentJobs: 1 });
    await subject.acquireSlot('holder');
    await subject.acquireSlot('cancelled');
    const behind = await subject.acquireSlot('behind');
    await subject.leaveQueue('cancelled');
    await subject.releaseSlot('holder');

    const again = await subject.acquireSlot('behind', behind.granted ? undefined : behind.ticket);

    // Without leaving, the cancelled waiter's entry would count ahead of it until it went stale.
    expect(behind).toMatchObject({ granted: false, position: 2 });
    expect(again.granted).toBe(true);
  });

  it('leaves the lease of a holder that leaves the line alone (its create may be in flight)', async () => {
    const subject = gate({ maxConcurrentJobs: 1 });
    await subject.acquireSlot('holder');

    await subject.leaveQueue('holder');

    expect((await subject.snapshot()).running).toEqual(['holder']);
  });

  it('keeps a waiter its place when it comes back with its ticket after its queue entry went stale', async () => {
    const subject = gate({ maxConcurrentJobs: 1, queueStaleSeconds: 60 });
    await subject.acquireSlot('holder');
    const first = await subject.acquireSlot('first');
    later(120);
    await subject.renewSlot('holder');
    await subject.acquireSlot('second');
    await subject.releaseSlot('holder');

    const back = await subject.acquireSlot('first', first.granted ? undefined : first.ticket);

    expect(back.granted).toBe(true);
  });

  it('returns a slot to the pool when its lease lapses without renewal, and keeps a renewed one', async () => {
    const subject = gate({ maxConcurrentJobs: 2, leaseSeconds: 30 });
    await subject.acquireSlot('stopped');
    await subject.acquireSlot('running');
    later(20);
    await subject.renewSlot('running');
    later(15);

    const waiter = await subject.acquireSlot('waiter');

    expect(waiter.granted).toBe(true);
    expect((await subject.snapshot()).running.sort()).toEqual(['running', 'waiter']);
  });

  it('returns tokens up to the burst, then the wait until the next one at requestsPerMinute less the burst', async () => {
    const subject = gate({ requestsPerMinute: 20, burst: 3 });

    const taken = [await subject.takeTokens(), await subject.takeTokens(2)];
    const refused = await subject.takeTokens();
    later(3);
    const early = await subject.takeTokens();
    later(1);
    const refill = await subject.takeTokens();

    expect(taken).toEqual([{ granted: true }, { granted: true }]);
    // 17 tokens a minute: one every 3.53 s, so a full bucket and a minute's refill stay within 20 a minute.
    expect(refused).toEqual({ granted: false, waitSeconds: 4 });
    expect(early).toMatchObject({ granted: false });
    expect(refill).toEqual({ granted: true });
  });

  it('refills over a shortened window as over a minute, and tells its waits in seconds of a 60-second minute', async () => {
    // A 6-second window (a tenfold time-scaled stack): 17 tokens in 6 s, one every 0.353 s.
    const subject = gate({ requestsPerMinute: 20, burst: 3, windowSeconds: 6 });
    await subject.takeTokens(3);

    const refused = await subject.takeTokens();
    later(0.3);
    const early = await subject.takeTokens();
    later(0.1);
    const refill = await subject.takeTokens();

    // The same wait as the 60-second minute's (4 s): the Wait state serving it is shortened tenfold too.
    expect(refused).toEqual({ granted: false, waitSeconds: 4 });
    expect(early).toMatchObject({ granted: false });
    expect(refill).toEqual({ granted: true });
  });

  it('returns granted to exactly the tokens the bucket holds among 12 concurrent takers', async () => {
    const subject = gate({ requestsPerMinute: 60, burst: 5 });

    const decisions = await Promise.all(Array.from({ length: 12 }, () => subject.takeTokens()));

    expect(decisions.filter((decision) => decision.granted).length).toBeLessThanOrEqual(5);
    // The clock stands still: no token was refilled, so a later taker is refused too.
    expect(await subject.takeTokens(1)).toMatchObject({ granted: false });
  });

  it('returns granted for a take larger than the burst once that many tokens have accrued', async () => {
    const subject = gate({ requestsPerMinute: 60, burst: 1 });
    await subject.takeTokens();

    const refused = await subject.takeTokens(3);
    later(4);

    expect(refused).toEqual({ granted: false, waitSeconds: 4 });
    expect(await subject.takeTokens(3)).toEqual({ granted: true });
  });
});

import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProviderGate, type ProviderGateLimits } from '../../../shared/provider/gate/provider-gate';
import { providerGateTokensKey } from '../../../shared/table-keys';
import { type LocalTable, startLocalTable } from '../../helpers/dynamodb-local';

/* The provider admission gate against AWS's DynamoDB Local: its conditional writes are what keeps it correct. */

const LIMITS: ProviderGateLimits = { maxConcurrentJobs: 3, requestsPerMinute: 60, leaseSeconds: 60 };

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

  it('tells a waiter about half the soonest its turn can come: 5 requests a job at requestsPerMinute', async () => {
    // 60 requests a minute, at least 5 a job: a slot frees at most every 5 s.
    const subject = gate({ maxConcurrentJobs: 1, requestsPerMinute: 60 });
    await subject.acquireSlot('running');

    const waits = [];
    for (let i = 0; i < 60; i++) {
      const decision = await subject.acquireSlot(`waiter-${i}`);
      if (!decision.granted) waits.push(decision.waitSeconds);
    }

    expect(waits).toHaveLength(60);
    // Position 1: 5 s away at the soonest, asked again in 3; position 10: 25; the 48th and later: the policy's cap.
    expect([waits[0], waits[9], waits[47], waits[59]]).toEqual([3, 25, 120, 120]);
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

  it('returns tokens up to requestsPerMinute in a window, then the wait until the oldest grant leaves it', async () => {
    // A window of 60 s plus a 1-second margin.
    const subject = gate({ requestsPerMinute: 20 });

    const first = await subject.takeTokens(2);
    later(10);
    const taken = [];
    for (let i = 0; i < 18; i++) taken.push(await subject.takeTokens());
    const refused = await subject.takeTokens();
    later(50);
    const early = await subject.takeTokens();
    later(1);
    const aged = [await subject.takeTokens(), await subject.takeTokens()];
    const third = await subject.takeTokens();

    expect(first).toEqual({ granted: true });
    expect(taken.filter((decision) => decision.granted)).toHaveLength(18);
    // The first two tokens leave the window 61 s after they were handed out, 51 s after the twentieth.
    expect(refused).toEqual({ granted: false, waitSeconds: 51, waitMs: 51_000 });
    expect(early).toEqual({ granted: false, waitSeconds: 1, waitMs: 1000 });
    expect(aged).toEqual([{ granted: true }, { granted: true }]);
    // The other 18 leave at 71 s: a caller 10 s early is told so.
    expect(third).toEqual({ granted: false, waitSeconds: 10, waitMs: 10_000 });
  });

  it('never hands out more than requestsPerMinute in any rolling minute of a steady crowd', async () => {
    const subject = gate({ requestsPerMinute: 20 });
    const granted: number[] = [];

    // Every 0.5 s for 5 minutes, three callers ask: far more than the window allows.
    for (let tick = 0; tick < 600; tick++) {
      for (let caller = 0; caller < 3; caller++) {
        if ((await subject.takeTokens()).granted) granted.push(now.getTime());
      }
      later(0.5);
    }

    const inAnyMinute = Math.max(...granted.map((at) => granted.filter((t) => t >= at && t < at + 60_000).length));
    expect(inAnyMinute).toBeLessThanOrEqual(20);
    // Nothing lost to callers that kept asking: 20 at 0, 61, 122, 183 and 244 s (a bucket of 3 refilling 17 a
    // minute handed out 88).
    expect(granted.length).toBe(100);
  });

  it('counts over a shortened window as over a minute, and tells its waits in seconds of a 60-second minute', async () => {
    // A 6-second window (a tenfold time-scaled stack), 7 s with its margin (real time, not scaled).
    const subject = gate({ requestsPerMinute: 20, windowSeconds: 6 });
    await subject.takeTokens(20);

    const refused = await subject.takeTokens();
    later(6.9);
    const early = await subject.takeTokens();
    later(0.1);
    const aged = await subject.takeTokens();

    // 7 real seconds are 70 of a 60-second minute: the Wait state serving it is shortened tenfold; a caller waiting in
    // its own process is told the real milliseconds.
    expect(refused).toEqual({ granted: false, waitSeconds: 70, waitMs: 7000 });
    expect(early).toEqual({ granted: false, waitSeconds: 1, waitMs: 100 });
    expect(aged).toEqual({ granted: true });
  });

  it('returns granted to exactly the tokens the window has left among 12 concurrent takers', async () => {
    const subject = gate({ requestsPerMinute: 5 });

    const decisions = await Promise.all(Array.from({ length: 12 }, () => subject.takeTokens()));

    expect(decisions.filter((decision) => decision.granted).length).toBeLessThanOrEqual(5);
    // The clock stands still: nothing left the window, so a later taker is refused too.
    expect(await subject.takeTokens(1)).toMatchObject({ granted: false });
  });

  it('returns granted for a take of several tokens only once that many are free in the window', async () => {
    const subject = gate({ requestsPerMinute: 4 });
    await subject.takeTokens();
    later(1);
    await subject.takeTokens();
    later(1);

    const refused = await subject.takeTokens(3);
    later(59);

    // One of the two must leave the window: the first, 61 s after it was handed out, 59 s from now.
    expect(refused).toEqual({ granted: false, waitSeconds: 59, waitMs: 59_000 });
    expect(await subject.takeTokens(3)).toEqual({ granted: true });
  });

  it('keeps its item small whatever the limit: grants of one 250 ms step are one entry, counted until the step’s end leaves', async () => {
    const subject = gate({ requestsPerMinute: 10_000_000 }, 'provider-wide-open');
    for (let i = 0; i < 200; i++) {
      await subject.takeTokens();
      later(0.01);
    }

    const { Item } = await local.documents.send(
      new GetCommand({ TableName: table, Key: providerGateTokensKey('provider-wide-open') }),
    );
    // 200 grants from 0 to 1.99 s, each recorded at the end of its 250 ms step: 0 (a grant on a step's end), 0.25,
    // 0.5, … 2 s.
    const grants = (Item?.grants ?? []) as Array<[number, number]>;
    expect(grants).toHaveLength(9);
    expect(grants.reduce((sum, [, n]) => sum + n, 0)).toBe(200);
  });

  it('reads a window written before it kept grants (a bucket item) as empty', async () => {
    const subject = gate({ requestsPerMinute: 2 }, 'provider-with-bucket');
    await local.documents.send(
      new PutCommand({
        TableName: table,
        Item: { ...providerGateTokensKey('provider-with-bucket'), tokens: 0, at: now.getTime(), version: 4 },
      }),
    );

    expect([await subject.takeTokens(), await subject.takeTokens(), await subject.takeTokens()]).toEqual([
      { granted: true },
      { granted: true },
      { granted: false, waitSeconds: 61, waitMs: 61_000 },
    ]);
  });
});

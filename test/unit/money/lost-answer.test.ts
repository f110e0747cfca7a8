import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FaultCounters } from '../../../local/aws-faults/counters';
import type { FaultDecider } from '../../../local/aws-faults/decider';
import { type RunningFaultProxy, startFaultProxy } from '../../../local/aws-faults/proxy';
import { DynamoBilling } from '../../../shared/money/billing';
import { DynamoLimitsStore } from '../../../shared/money/limits';
import { activeKey, ledgerKey, usageKey, videoKey } from '../../../shared/table-keys';
import { type LocalTable, startLocalTable } from '../../helpers/dynamodb-local';
import { aVideo } from '../fakes/fakes';
import { CONTENT, DEFAULTS, NOW, NOW_S } from './money-fixtures';
import { readItem } from './money-table';

/*
 * A money step whose TransactWriteItems was applied but whose answer was lost (the fault layer's `lost`: forwarded to
 * DynamoDB Local, then the connection dropped). Two ways it is sent again:
 *  - by the SDK's own retry: the SDK fills TransactWriteItems' ClientRequestToken itself (an idempotency token in the
 *    service model) and its retries resend the same serialized request, so DynamoDB answers the retry as the first
 *    (DynamoDB Local honours the token too: same token + same body = success; other body =
 *    IdempotentParameterMismatchException);
 *  - across sends, by the step run again (Step Functions retrying the task after the SDK gave up): a new send, a new
 *    token; the step must find its own write by reading first.
 * Both must leave one charge or release, nothing reserved twice or held.
 */

let local: LocalTable;
let table: string;
let proxy: RunningFaultProxy;
/** The faults the next TransactWriteItems calls get, in order (other calls pass). */
let transactFaults: Array<'lost' | 'transaction-conflict'> = [];
let videoCounter = 0;
const nextId = () => `vid_lost${String(++videoCounter).padStart(22, '0')}`;

/** Plays `transactFaults` on TransactWriteItems calls (the only calls that can draw a conflict). */
const loseTransactAnswers: FaultDecider<'dynamodb'> = {
  next: (applicable) => (applicable?.includes('transaction-conflict') ? transactFaults.shift() : undefined),
};

beforeAll(async () => {
  local = await startLocalTable();
  const endpoint = (await local.client.config.endpoint?.())!;
  proxy = await startFaultProxy({
    service: 'dynamodb',
    upstream: `${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`,
    decider: loseTransactAnswers,
    counters: new FaultCounters(),
  });
});
afterAll(async () => {
  await proxy?.close();
  await local?.stop();
});
beforeEach(async () => {
  table = await local.createTable();
});
afterEach(() => {
  transactFaults = [];
});

/** DynamoBilling through the proxy, its SDK client making `maxAttempts` attempts per call. */
function billingThroughProxy(maxAttempts: number) {
  const client = new DynamoDBClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    endpoint: proxy.url,
    maxAttempts,
  });
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const limits = new DynamoLimitsStore(documents, table, DEFAULTS);
  return new DynamoBilling(documents, table, limits);
}

const get = (key: { pk: string; sk: string }) => readItem(local, table, key);

describe('a money transaction whose answer is lost', () => {
  it('reserves once when the SDK retries the lost reserve (same ClientRequestToken)', async () => {
    const billing = billingThroughProxy(3);
    const video = aVideo({ videoId: nextId(), estimatedMicros: 400_000 });
    transactFaults = ['lost'];

    await billing.reserve(video, NOW);

    expect(transactFaults).toEqual([]);
    expect(await get(usageKey('alice', '2026-11'))).toMatchObject({ reservedMicros: 400_000 });
    expect(await get(activeKey('alice'))).toMatchObject({ activeCount: 1 });
  });

  it.each([
    ['charge', 'completed', 400_000],
    ['release', 'failed', 0],
  ] as const)('settles once when the SDK retries a lost %s', async (step, status, charged) => {
    const billing = billingThroughProxy(3);
    const video = aVideo({ videoId: nextId(), estimatedMicros: 400_000 });
    await billing.reserve(video, NOW);
    transactFaults = ['lost'];

    const result =
      step === 'charge'
        ? await billing.charge(video.videoId, { content: CONTENT, completedAt: NOW_S })
        : await billing.release(video.videoId, {
            status: 'failed',
            error: { code: 'provider_failed', message: 'x' },
            now: NOW_S,
          });

    expect(transactFaults).toEqual([]);
    expect(result).toMatchObject({ applied: true, video: { status, chargedMicros: charged } });
    expect(await get(usageKey('alice', '2026-11'))).toMatchObject({ reservedMicros: 0, committedMicros: charged });
    expect(await get(activeKey('alice'))).toMatchObject({ activeCount: 0 });
  });

  it.each([
    ['charge', 'completed', 400_000],
    ['release', 'failed', 0],
  ] as const)('finds its own %s when the step is run again after the SDK gave up', async (step, status, charged) => {
    const once = billingThroughProxy(1);
    const video = aVideo({ videoId: nextId(), estimatedMicros: 400_000 });
    await once.reserve(video, NOW);
    const settle = () =>
      step === 'charge'
        ? once.charge(video.videoId, { content: CONTENT, completedAt: NOW_S })
        : once.release(video.videoId, {
            status: 'failed',
            error: { code: 'provider_failed', message: 'x' },
            now: NOW_S,
          });
    transactFaults = ['lost'];

    const first = await settle().catch((error: unknown) => error as Error);
    const again = await settle();

    expect(first).toBeInstanceOf(Error);
    expect(again).toMatchObject({ applied: false, video: { status, chargedMicros: charged } });
    expect(await get(videoKey(video.videoId))).toMatchObject({ status, chargedMicros: charged });
    expect(await get(usageKey('alice', '2026-11'))).toMatchObject({ reservedMicros: 0, committedMicros: charged });
    expect(await get(activeKey('alice'))).toMatchObject({ activeCount: 0 });
    expect((await get(ledgerKey('alice', '2026-11', video.videoId)))?.amountMicros).toBe(charged || undefined);
  });

  // The lost write still held its items when the SDK retried (AWS answers TransactionConflict or
  // TransactionInProgress then): the transaction is sent again, and must be recognised as the one already applied.
  it.each([
    ['charge', 'completed', 400_000],
    ['release', 'cancelled', 0],
  ] as const)(
    'reports its own %s as applied when the SDK retry after the lost answer meets a conflict',
    async (step, status, charged) => {
      const billing = billingThroughProxy(3);
      const video = aVideo({ videoId: nextId(), estimatedMicros: 400_000 });
      await billing.reserve(video, NOW);
      transactFaults = ['lost', 'transaction-conflict'];

      const result =
        step === 'charge'
          ? await billing.charge(video.videoId, { content: CONTENT, completedAt: NOW_S })
          : await billing.release(video.videoId, { status: 'cancelled', now: NOW_S });

      expect(transactFaults).toEqual([]);
      expect(result).toMatchObject({ applied: true, video: { status, chargedMicros: charged } });
      expect(await get(usageKey('alice', '2026-11'))).toMatchObject({ reservedMicros: 0, committedMicros: charged });
      expect(await get(activeKey('alice'))).toMatchObject({ activeCount: 0 });
    },
  );
});

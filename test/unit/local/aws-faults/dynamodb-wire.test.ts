import {
  DynamoDBClient,
  type DynamoDBServiceException,
  GetItemCommand,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FaultKind } from '../../../../local/aws-faults/config';
import { FaultCounters } from '../../../../local/aws-faults/counters';
import { scriptedDecider } from '../../../../local/aws-faults/decider';
import { type RunningFaultProxy, startFaultProxy } from '../../../../local/aws-faults/proxy';
import { type LocalTable, startLocalTable } from '../../../helpers/dynamodb-local';

let local: LocalTable;
let table: string;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  local = await startLocalTable();
  table = await local.createTable('faults');
});

afterAll(async () => {
  await local?.stop();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** The real SDK client, pointed at a proxy in front of DynamoDB Local that plays `script`. */
async function through(
  script: Array<FaultKind<'dynamodb'> | undefined>,
  maxAttempts: number,
): Promise<{ client: DynamoDBClient; counters: FaultCounters }> {
  const counters = new FaultCounters();
  const endpoint = (await local.client.config.endpoint?.())!;
  const proxy: RunningFaultProxy = await startFaultProxy({
    service: 'dynamodb',
    upstream: `${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`,
    decider: scriptedDecider<'dynamodb'>(script),
    counters,
  });
  const client = new DynamoDBClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    endpoint: proxy.url,
    maxAttempts,
  });
  cleanups.push(async () => {
    client.destroy();
    await proxy.close();
  });
  return { client, counters };
}

const put = (pk: string, condition = false) =>
  new PutItemCommand({
    TableName: table,
    Item: { pk: { S: pk }, sk: { S: 'item' } },
    ...(condition ? { ConditionExpression: 'attribute_not_exists(pk)' } : {}),
  });

async function failure(promise: Promise<unknown>): Promise<DynamoDBServiceException> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error as DynamoDBServiceException,
  );
}

describe('fault proxy in front of DynamoDB Local', () => {
  it.each([
    ['throughput', 'ProvisionedThroughputExceededException', 400, 'client'],
    ['throttle', 'ThrottlingException', 400, 'client'],
    ['internal', 'InternalServerError', 500, 'server'],
  ] as const)('surfaces %s as the SDK error %s (HTTP %i)', async (kind, name, status, fault) => {
    const { client, counters } = await through([kind], 1);

    const error = await failure(client.send(put(`err-${kind}`)));

    expect(error.name).toBe(name);
    expect(error.$fault).toBe(fault);
    expect(error.$metadata.httpStatusCode).toBe(status);
    expect(counters.snapshot().injected).toEqual({ [`dynamodb:${kind}`]: 1 });
  });

  it.each(['throughput', 'throttle', 'internal', 'reset'] as const)(
    'lets the SDK retry %s and succeed on the next attempt',
    async (kind) => {
      const { client } = await through([kind], 3);

      const output = await client.send(put(`retry-${kind}`));

      expect(output.$metadata.attempts).toBe(2);
      const stored = await local.client.send(
        new GetItemCommand({ TableName: table, Key: { pk: { S: `retry-${kind}` }, sk: { S: 'item' } } }),
      );
      expect(stored.Item).toBeDefined();
    },
  );

  it('cancels a TransactWriteItems with one reason per item, TransactionConflict on one, and the SDK does not retry it', async () => {
    const { client } = await through(['transaction-conflict'], 3);

    const error = await failure(
      client.send(
        new TransactWriteItemsCommand({
          TransactItems: ['tx-a', 'tx-b'].map((pk) => ({
            Put: { TableName: table, Item: { pk: { S: pk }, sk: { S: 'item' } } },
          })),
        }),
      ),
    );

    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect((error as TransactionCanceledException).CancellationReasons).toEqual([
      { Code: 'None' },
      { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' },
    ]);
    expect(error.$metadata.attempts).toBe(1);
    const stored = await local.client.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: 'tx-a' }, sk: { S: 'item' } } }),
    );
    expect(stored.Item).toBeUndefined();
  });

  it('does not inject a transaction conflict into a call other than TransactWriteItems', async () => {
    const { client, counters } = await through(['transaction-conflict'], 1);

    await client.send(put('not-a-transaction'));

    expect(counters.snapshot()).toMatchObject({ injected: {}, requests: { dynamodb: 1 } });
  });

  it('drops the connection without forwarding when it resets', async () => {
    const { client } = await through(['reset'], 1);

    const error = await failure(client.send(put('reset-once')));

    expect(error.$metadata?.httpStatusCode).toBeUndefined();
    const stored = await local.client.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: 'reset-once' }, sk: { S: 'item' } } }),
    );
    expect(stored.Item).toBeUndefined();
  });

  it('applies the write before the answer is lost, so the retried conditional put fails its condition', async () => {
    const { client, counters } = await through(['lost'], 3);

    const error = await failure(client.send(put('lost-once', true)));

    expect(error.name).toBe('ConditionalCheckFailedException');
    expect(error.$metadata.attempts).toBe(2);
    expect(counters.snapshot()).toMatchObject({ injected: { 'dynamodb:lost': 1 }, requests: { dynamodb: 2 } });
  });
});

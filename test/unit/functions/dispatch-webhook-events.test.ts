import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DispatchWebhookEventsDeps,
  dispatchWebhookEvents,
  STOP_STARTING_WITH_MS,
} from '../../../functions/dispatch-webhook-events/dispatch-webhook-events';
import { newVideoId } from '../../../shared/ids';
import { DynamoMinuteRate } from '../../../shared/rates/minute-rate';
import { webhookDeliveryKey, webhookOutboxKey } from '../../../shared/table-keys';
import { DynamoWebhookDeliveryLog } from '../../../shared/webhooks/deliveries';
import type { DeliveryInput } from '../../../shared/webhooks/delivery-starter';
import { DynamoWebhookEndpoints, newWebhookEndpointId } from '../../../shared/webhooks/endpoints';
import { DynamoWebhookEventBodies } from '../../../shared/webhooks/event-bodies';
import { type WebhookOutboxItem, webhookEventId } from '../../../shared/webhooks/events';
import { DynamoWebhookOutbox } from '../../../shared/webhooks/outbox';
import { type LocalTable, startLocalTable } from '../../helpers/dynamodb-local';
import { fakeLogger, fakeMetrics } from '../fakes/fakes';

/*
 * The dispatcher against DynamoDB Local (the outbox, endpoints, delivery log and rate items as stored), with a
 * recording starter, a settable clock and a run whose remaining time is counted in deliveries started.
 */

const TABLE = 'webhooks';
let local: LocalTable;
let documents: DynamoDBDocumentClient;
let endpoints: DynamoWebhookEndpoints;
/** Each test's users are new: the outbox is one partition, so a test dispatches only its own users' items. */
let run = 0;

beforeAll(async () => {
  local = await startLocalTable();
  await local.createTable(TABLE);
  documents = local.documents;
  endpoints = new DynamoWebhookEndpoints(documents, TABLE);
});

afterAll(async () => {
  await local?.stop();
});

const T0 = Date.parse('2026-12-07T12:00:05Z');

/** A user with `count` endpoints subscribed to every event. */
async function userWithEndpoints(label: string, count: number): Promise<string> {
  const userId = `${label}-${++run}-${Date.now()}`;
  for (let index = 0; index < count; index++) {
    const created = await endpoints.create(
      {
        endpointId: newWebhookEndpointId(T0 + index),
        userId,
        url: `https://receiver.example/${index}`,
        events: ['video.completed', 'video.failed', 'video.cancelled'],
        status: 'enabled',
        secrets: [{ secret: 'whsec_dGVzdA==', createdAt: 0 }],
        createdAt: 0,
        updatedAt: 0,
      },
      100,
    );
    expect(created).toBe(true);
  }
  return userId;
}

/** Writes a `video.cancelled` event of the user into the outbox, as the money transaction does. */
async function outboxEvent(userId: string): Promise<WebhookOutboxItem> {
  const videoId = newVideoId();
  const event = {
    id: webhookEventId(videoId, 'video.cancelled'),
    object: 'event',
    type: 'video.cancelled',
    created_at: 1,
    data: { id: videoId },
  };
  const item: WebhookOutboxItem = {
    ...webhookOutboxKey(videoId, 'video.cancelled'),
    entity: 'webhook_outbox',
    userId,
    videoId,
    event: JSON.stringify(event),
    createdAt: 1,
  };
  await documents.send(new PutCommand({ TableName: TABLE, Item: item }));
  return item;
}

/** A dispatcher whose run has time for `budget` deliveries (then its remaining time drops under the stop margin). */
function dispatcher(options: { users: string[]; perMinute: number; budget?: number; at?: number }) {
  const started: DeliveryInput[] = [];
  const users = new Set(options.users);
  const outbox = new DynamoWebhookOutbox(documents, TABLE);
  let startsThisRun = 0;
  const deps: DispatchWebhookEventsDeps = {
    // Only this test's users: other tests' items share the one outbox partition.
    outbox: {
      pending: async (limit) => (await outbox.pending(limit)).filter((item) => users.has(item.userId)),
      remove: (item) => outbox.remove(item),
      recordProgress: (item, progress) => outbox.recordProgress(item, progress),
    },
    endpoints,
    deliveries: new DynamoWebhookDeliveryLog(documents, TABLE),
    eventBodies: new DynamoWebhookEventBodies(documents, TABLE),
    starter: {
      start: async (input) => {
        started.push(input);
        startsThisRun += 1;
      },
    },
    rate: new DynamoMinuteRate(documents, TABLE),
    deliveriesPerMinute: options.perMinute,
    clock: () => new Date(options.at ?? T0),
    remainingMs: () =>
      options.budget === undefined || startsThisRun < options.budget ? 60_000 : STOP_STARTING_WITH_MS - 1,
    logger: fakeLogger(),
    metrics: fakeMetrics(),
    maxItems: 1000,
  };
  return {
    started,
    run: (at?: number) => {
      startsThisRun = 0;
      if (at !== undefined) options.at = at;
      return dispatchWebhookEvents(deps);
    },
  };
}

async function outboxItem(item: WebhookOutboxItem) {
  const { Item } = await documents.send(new GetCommand({ TableName: TABLE, Key: { pk: item.pk, sk: item.sk } }));
  return Item as WebhookOutboxItem | undefined;
}

describe('dispatch-webhook-events', () => {
  it('returns part-way when the run runs out of time, and the next run goes on from the endpoint it reached', async () => {
    // Prepare: one event to 25 endpoints, a run with time for 12 deliveries.
    const userId = await userWithEndpoints('wide', 25);
    const item = await outboxEvent(userId);
    const dispatch = dispatcher({ users: [userId], perMinute: 1000, budget: 12 });

    // Act
    const first = await dispatch.run();
    const afterFirst = await outboxItem(item);
    const second = await dispatch.run();
    const third = await dispatch.run();

    // Assess: 12 + 12 + 1, each endpoint once, and the item gone only when all were started.
    expect([first.deliveries, second.deliveries, third.deliveries]).toEqual([12, 12, 1]);
    expect(afterFirst?.dispatchedThrough).toBe(dispatch.started[11]?.endpointId);
    expect(new Set(dispatch.started.map((input) => input.endpointId)).size).toBe(25);
    expect(third.events).toBe(1);
    expect(await outboxItem(item)).toBeUndefined();
  });

  it("returns another user's single event in the same run as a user's burst to many endpoints", async () => {
    // Prepare: a user with 10 endpoints and 8 events (80 deliveries), then another user's one event; time for 30.
    const busy = await userWithEndpoints('busy', 10);
    for (let index = 0; index < 8; index++) await outboxEvent(busy);
    const quiet = await userWithEndpoints('quiet', 1);
    await outboxEvent(quiet);
    const dispatch = dispatcher({ users: [busy, quiet], perMinute: 1000, budget: 30 });

    // Act
    await dispatch.run();

    // Assess: the quiet user's delivery went in the first round, right after the busy user's first turn.
    const order = dispatch.started.map((input) => input.userId);
    expect(order).toHaveLength(30);
    expect(order.indexOf(quiet)).toBe(10);
  });

  it('returns deliveries over the user rate delayed to the next minute, shown as pending, never dropped', async () => {
    // Prepare: 10 endpoints, 3 events (30 deliveries), 25 a minute; another user's event beside them.
    const busy = await userWithEndpoints('rated', 10);
    const items = [await outboxEvent(busy), await outboxEvent(busy), await outboxEvent(busy)];
    const other = await userWithEndpoints('other', 1);
    await outboxEvent(other);
    const dispatch = dispatcher({ users: [busy, other], perMinute: 25 });

    // Act: one run in the minute of T0, one later in that minute, one in the next minute.
    const first = await dispatch.run(T0);
    const delayed = await outboxItem(items[2]!);
    const lastEndpoint = dispatch.started.at(-1)!;
    const waiting = (await endpoints.listAll(busy)).filter((endpoint) => endpoint.endpointId > lastEndpoint.endpointId);
    const pending = await Promise.all(
      waiting.map(async (endpoint) => {
        const { Item } = await documents.send(
          new GetCommand({
            TableName: TABLE,
            Key: webhookDeliveryKey(endpoint.endpointId, 1, JSON.parse(items[2]!.event).id),
          }),
        );
        return Item;
      }),
    );
    const sameMinute = await dispatch.run(T0 + 30_000);
    const nextMinute = await dispatch.run(T0 + 60_000);

    // Assess
    const nextWindow = Math.floor(T0 / 60_000) * 60 + 60;
    expect(first.deliveries).toBe(26);
    expect(dispatch.started.filter((input) => input.userId === other)).toHaveLength(1);
    expect(delayed?.notBefore).toBe(nextWindow);
    expect(pending).toHaveLength(5);
    expect(pending.every((delivery) => delivery?.status === 'pending' && delivery.nextAttemptAt === nextWindow)).toBe(
      true,
    );
    expect(sameMinute.deliveries).toBe(0);
    expect(nextMinute.deliveries).toBe(5);
    expect(
      new Set(
        dispatch.started
          .filter((input) => input.userId === busy)
          .map((input) => `${input.endpointId} ${input.eventId}`),
      ).size,
    ).toBe(30);
    for (const item of items) expect(await outboxItem(item)).toBeUndefined();
  });
});

describe('webhook endpoints (the cap)', () => {
  it('returns false for the endpoint over the cap, also when many are created at once, and counts deletes out', async () => {
    // Prepare
    const userId = `capped-${Date.now()}`;
    const endpoint = (index: number) => ({
      endpointId: newWebhookEndpointId(T0 + index),
      userId,
      url: `https://receiver.example/${index}`,
      events: ['video.completed' as const],
      status: 'enabled' as const,
      secrets: [],
      createdAt: 0,
      updatedAt: 0,
    });

    // Act: 15 creates at once against a cap of 10, then a delete and one more create.
    const results = await Promise.all(Array.from({ length: 15 }, (_, index) => endpoints.create(endpoint(index), 10)));
    const created = (await endpoints.listAll(userId)).length;
    const deleted = await endpoints.delete(userId, (await endpoints.listAll(userId))[0]!.endpointId);
    const afterDelete = await endpoints.create(endpoint(100), 10);
    const overAgain = await endpoints.create(endpoint(101), 10);

    // Assess
    expect(results.filter(Boolean)).toHaveLength(10);
    expect(created).toBe(10);
    expect([deleted, afterDelete, overAgain]).toEqual([true, true, false]);
  });

  it('returns the cap counted from endpoints that existed before the count did', async () => {
    // Prepare: 9 endpoints written directly, as stored before the count existed.
    const userId = `older-${Date.now()}`;
    for (let index = 0; index < 9; index++) {
      await documents.send(
        new PutCommand({
          TableName: TABLE,
          Item: {
            pk: `USER#${userId}`,
            sk: `WEBHOOK#we_old${index}`,
            entity: 'webhook_endpoint',
            endpointId: `we_old${index}`,
            userId,
          },
        }),
      );
    }
    const endpoint = (index: number) => ({
      endpointId: newWebhookEndpointId(T0 + index),
      userId,
      url: 'https://receiver.example/',
      events: ['video.completed' as const],
      status: 'enabled' as const,
      secrets: [],
      createdAt: 0,
      updatedAt: 0,
    });

    // Act
    const tenth = await endpoints.create(endpoint(1), 10);
    const eleventh = await endpoints.create(endpoint(2), 10);

    // Assess
    expect([tenth, eleventh]).toEqual([true, false]);
  });
});

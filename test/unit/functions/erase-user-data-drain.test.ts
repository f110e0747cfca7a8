import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { eraseUserData } from '../../../functions/erase-user-data/erase-user-data';
import { DynamoErasureQueue, erasureWorkTableItem } from '../../../shared/erasure/erasure-queue';
import { DynamoUserErasures } from '../../../shared/erasure/user-erasures';
import { DynamoReconcileQueue, userErasureWorkItem } from '../../../shared/money/reconciliation';
import {
  ERASURE_PARTITION,
  erasureKey,
  RECONCILE_PARTITION,
  reconcileDuePrefix,
  reconcileKey,
  workItemKey,
} from '../../../shared/table-keys';
import type { LocalTable } from '../../helpers/dynamodb-local';
import { aVideo, fakeLogger, fakeMetrics, InMemoryVideoRepository } from '../fakes/fakes';
import { NOW_S } from '../money/money-fixtures';
import { freshTableEachTest } from '../money/money-table';

/*
 * The erasure work items in their own partition (pk ERASURE), and the drain of those queued in the reconciler's
 * partition (pk RECONCILE) before it existed, against AWS's DynamoDB Local.
 */

let local: LocalTable;
let table: string;

freshTableEachTest((localTable, newTable) => {
  local = localTable;
  table = newTable;
});

/** Every item of a partition, as stored. */
const partition = async (pk: string) =>
  (
    await local.documents.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ConsistentRead: true,
      }),
    )
  ).Items ?? [];

const put = (item: Record<string, unknown>) => local.documents.send(new PutCommand({ TableName: table, Item: item }));

/** A `user_erasure` item as the reconciler's partition held it before erasures had their own: the id in `videoId`. */
function oldErasureItem(erasureId: string, userId: string, dueAt: number): Record<string, unknown> {
  return {
    ...workItemKey({ kind: 'user_erasure', dueAt, videoId: erasureId }),
    entity: 'reconcile',
    kind: 'user_erasure',
    videoId: erasureId,
    userId,
    providerVideoId: null,
    reason: 'erased',
    givenUpAt: dueAt,
    dueAt,
    checks: 0,
    purgeAt: dueAt + 30 * 24 * 3600,
  };
}

/** A pending erasure record (what DELETE /v1/admin/users/{userId} wrote). */
const pendingErasure = (userId: string, erasureId: string, requestedAt: number) =>
  put({
    ...erasureKey(userId),
    entity: 'erasure',
    erasureId,
    userId,
    status: 'pending',
    requestedBy: 'fin',
    requestedAt,
    videosErased: 0,
    videosCancelled: 0,
    objectsDeleted: 0,
  });

describe('erase-user-data: the erasure partition and the drain of the reconciler’s', () => {
  it('queues a requested erasure in the erasure partition, none in the reconciler’s', async () => {
    // Prepare
    const erasures = new DynamoUserErasures(local.documents, table);

    // Act
    await erasures.start({
      userId: 'alice',
      erasureId: 'era_new',
      now: NOW_S,
      audit: {
        action: 'user.erased',
        auditId: 'aud_01JD0000000000000000000001',
        actorUserId: 'fin',
        userId: 'alice',
        erasureId: 'era_new',
        requestId: null,
        createdAt: NOW_S,
      },
    });
    await erasures.requeue((await erasures.get('alice'))!, NOW_S + 5);

    // Assess
    expect(await partition(ERASURE_PARTITION)).toEqual([
      {
        pk: 'ERASURE',
        sk: `${reconcileDuePrefix(NOW_S)}#era_new`,
        entity: 'erasure_work',
        kind: 'user_erasure',
        erasureId: 'era_new',
        userId: 'alice',
        requestedAt: NOW_S,
        dueAt: NOW_S,
        checks: 0,
        purgeAt: NOW_S + 30 * 24 * 3600,
      },
      expect.objectContaining({ sk: `${reconcileDuePrefix(NOW_S + 5)}#era_new`, dueAt: NOW_S + 5 }),
    ]);
    expect(await partition(RECONCILE_PARTITION)).toEqual([]);
  });

  it('returns the due items of both partitions earliest first, and moves an old one into the erasure partition', async () => {
    // Prepare
    const queue = new DynamoErasureQueue(local.documents, table);
    await put(oldErasureItem('era_old', 'bob', NOW_S - 10));
    await put(erasureWorkTableItem(userErasureWorkItem('alice', 'era_new', NOW_S - 20)));
    await put(erasureWorkTableItem(userErasureWorkItem('carol', 'era_later', NOW_S + 60)));
    // A reconciler item written before kinds existed: not an erasure.
    await put({ ...reconcileKey(NOW_S - 30, 'vid_1'), videoId: 'vid_1', userId: 'bob', providerVideoId: 'video_1' });

    // Act
    const due = await queue.due(NOW_S, 10);
    const old = due.find((item) => item.erasureId === 'era_old')!;
    const moved = await queue.reschedule(old, NOW_S + 30);
    const movedAgain = await queue.reschedule(old, NOW_S + 40);

    // Assess
    expect(due).toEqual([
      {
        kind: 'user_erasure',
        erasureId: 'era_new',
        userId: 'alice',
        requestedAt: NOW_S - 20,
        dueAt: NOW_S - 20,
        checks: 0,
      },
      {
        kind: 'user_erasure',
        erasureId: 'era_old',
        userId: 'bob',
        requestedAt: NOW_S - 10,
        dueAt: NOW_S - 10,
        checks: 0,
        inReconcilePartition: true,
      },
    ]);
    expect({ moved, movedAgain }).toEqual({ moved: true, movedAgain: false });
    expect((await partition(RECONCILE_PARTITION)).map((item) => item.videoId)).toEqual(['vid_1']);
    expect(await partition(ERASURE_PARTITION)).toContainEqual(
      expect.objectContaining({
        erasureId: 'era_old',
        userId: 'bob',
        requestedAt: NOW_S - 10,
        dueAt: NOW_S + 30,
        checks: 1,
      }),
    );
    expect((await partition(ERASURE_PARTITION)).some((item) => 'inReconcilePartition' in item)).toBe(false);
  });

  it('carries out an erasure item queued in the reconciler’s partition before erasures had their own, and leaves none there', async () => {
    // Prepare: a pending erasure whose work item an earlier version queued in RECONCILE, beside the reconciler's items.
    await pendingErasure('bob', 'era_old', NOW_S - 100);
    await put(oldErasureItem('era_old', 'bob', NOW_S - 100));
    await put({ ...reconcileKey(NOW_S - 30, 'vid_1'), videoId: 'vid_1', userId: 'bob', providerVideoId: 'video_1' });
    const videos = new InMemoryVideoRepository([
      aVideo({ videoId: 'vid_done', userId: 'bob', status: 'completed', providerVideoId: 'video_done' }),
    ]);
    const reconcileQueue = new DynamoReconcileQueue(local.documents, table);
    const erasures = new DynamoUserErasures(local.documents, table);
    const metrics = fakeMetrics();

    // Act
    const summary = await eraseUserData(
      { stopStartingAt: Number.POSITIVE_INFINITY },
      {
        queue: new DynamoErasureQueue(local.documents, table),
        run: {
          videos,
          storage: { remove: async () => {}, removeUnder: async () => 0 },
          idempotencyRecords: { forget: async () => {} },
          queue: reconcileQueue,
          erasures,
          webhooks: {
            endpoints: { listAll: async () => [], delete: async () => false },
            deliveries: { removeAll: async () => 0 },
            eventBodies: { removeAll: async () => 0 },
          },
          canceller: {
            cancel: async () => {
              throw new Error('nothing of bob’s is running');
            },
          },
          pipeline: { stop: async () => {} },
          admission: { leaveQueue: async () => {} },
          bucket: 'the-bucket',
        },
        clock: () => new Date(NOW_S * 1000),
        logger: fakeLogger(),
        metrics,
        options: { retrySeconds: 48 * 3600, maxItems: 10 },
      },
    );

    // Assess: the erasure is completed, its old item gone; the reconciler's own items are untouched and it never
    // sees an erasure.
    expect(summary).toEqual({ completed: 1, continued: 0, errored: 0, abandoned: 0, inReconcilePartition: 1 });
    expect(await erasures.get('bob')).toMatchObject({ status: 'completed', completedAt: NOW_S, videosErased: 1 });
    expect(videos.videos.get('vid_done')).toMatchObject({ deletedAt: NOW_S });
    expect(metrics.total('UserErasureItemsInReconcilePartition')).toBe(1);
    expect((await partition(RECONCILE_PARTITION)).map((item) => [item.videoId, item.kind])).toEqual([
      ['vid_1', undefined],
      ['vid_done', 'provider_delete'],
    ]);
    expect(await partition(ERASURE_PARTITION)).toEqual([]);
    expect((await reconcileQueue.due(NOW_S, 10)).map((item) => [item.kind, item.videoId])).toEqual([
      ['provider_job', 'vid_1'],
      ['provider_delete', 'vid_done'],
    ]);
  });

  it('leaves an old erasure item to erase-user-data: the reconciler’s queue never returns it', async () => {
    // Prepare
    await put(oldErasureItem('era_old', 'bob', NOW_S - 100));
    const reconcileQueue = new DynamoReconcileQueue(local.documents, table);

    // Act
    const due = await reconcileQueue.due(NOW_S, 10);

    // Assess
    expect(due).toEqual([]);
    expect(await partition(RECONCILE_PARTITION)).toHaveLength(1);
  });
});

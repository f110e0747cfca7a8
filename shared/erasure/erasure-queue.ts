import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { type TransactOptions, transactWrite } from '../aws/transact';
import { movedItem, type UserErasureWorkItem, workItemFromTable } from '../money/reconciliation';
import {
  ERASURE_PARTITION,
  erasureWorkItemKey,
  RECONCILE_PARTITION,
  reconcileDueUpTo,
  type TableKey,
  workItemKey,
} from '../table-keys';
import { TABLE_TTL_ATTRIBUTE, workItemPurgeAt } from '../table-ttl';

/*
 * The user erasures to carry out (functions/erase-user-data): small work items in their own partition (pk `ERASURE`,
 * sorted by due time), written by `DELETE /v1/admin/users/{userId}` (user-erasures.ts). Erasures queued before that
 * partition existed sit in the reconciler's partition (pk `RECONCILE`, kind `user_erasure`, the erasure id in
 * `videoId`): `due` reads those too, and moving one puts it in the erasure partition, until none is left there
 * (docs/ARCHITECTURE.md, "The erasure's work items", says why a drain rather than a one-off migration).
 */

/** The table item of an erasure work item (erasure partition); DynamoDB's TTL removes it if it is left behind. */
export function erasureWorkTableItem(item: UserErasureWorkItem): Record<string, unknown> {
  const { inReconcilePartition: _queuedThere, ...stored } = item;
  return {
    ...erasureWorkItemKey(item),
    entity: 'erasure_work',
    ...stored,
    [TABLE_TTL_ATTRIBUTE]: workItemPurgeAt(item.dueAt),
  };
}

/** Where an erasure work item is stored: the erasure partition, or the reconciler's for one queued there before. */
export function erasureWorkStoredKey(item: UserErasureWorkItem): TableKey {
  return item.inReconcilePartition === true
    ? workItemKey({ kind: item.kind, dueAt: item.dueAt, videoId: item.erasureId })
    : erasureWorkItemKey(item);
}

/** The erasure work items, as erase-user-data sees them. */
export interface ErasureQueue {
  /**
   * Up to `limit` items due at `now` or earlier, earliest first, from the erasure partition and (queued before it
   * existed) the reconciler's.
   */
  due(now: number, limit: number): Promise<UserErasureWorkItem[]>;
  /** Removes an item (done or abandoned), wherever it is stored. Removing one that is gone already is not an error. */
  remove(item: UserErasureWorkItem): Promise<void>;
  /**
   * Moves an item to `dueAt` (later than its current due time), in the erasure partition, with its check (or, for
   * `'failure'`, its failure) counted; false (nothing written) when the item is no longer there.
   */
  reschedule(item: UserErasureWorkItem, dueAt: number, counted?: 'check' | 'failure'): Promise<boolean>;
}

/** The DynamoDB erasure work items (strongly consistent queries). */
export class DynamoErasureQueue implements ErasureQueue {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: TransactOptions = {},
  ) {}

  async due(now: number, limit: number): Promise<UserErasureWorkItem[]> {
    const queued = await this.dueIn(ERASURE_PARTITION, now, limit);
    const queuedBefore = await this.dueIn(RECONCILE_PARTITION, now, limit);
    return [...queued, ...queuedBefore.map((item) => ({ ...item, inReconcilePartition: true as const }))]
      .sort((a, b) => a.dueAt - b.dueAt)
      .slice(0, limit);
  }

  async remove(item: UserErasureWorkItem): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: erasureWorkStoredKey(item) }));
  }

  async reschedule(item: UserErasureWorkItem, dueAt: number, counted: 'check' | 'failure' = 'check'): Promise<boolean> {
    if (dueAt <= item.dueAt) throw new Error(`A work item can only move later (${item.dueAt} → ${dueAt})`);
    const outcome = await transactWrite(
      this.client,
      [
        {
          Delete: {
            TableName: this.tableName,
            Key: erasureWorkStoredKey(item),
            ConditionExpression: 'attribute_exists(pk)',
          },
        },
        {
          Put: {
            TableName: this.tableName,
            Item: erasureWorkTableItem(movedItem(item, dueAt, counted)),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
      this.options,
    );
    return outcome.committed;
  }

  /**
   * The due `user_erasure` items of one partition. In the reconciler's they are among its own items, so the query
   * filters them out of every due item there, page by page.
   */
  private async dueIn(partition: string, now: number, limit: number): Promise<UserErasureWorkItem[]> {
    const items: UserErasureWorkItem[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page: QueryCommandOutput = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk <= :upTo',
          FilterExpression: 'kind = :erasure',
          ExpressionAttributeValues: { ':pk': partition, ':upTo': reconcileDueUpTo(now), ':erasure': 'user_erasure' },
          ConsistentRead: true,
          ...(partition === ERASURE_PARTITION ? { Limit: limit - items.length } : {}),
          ExclusiveStartKey: startKey,
        }),
      );
      for (const stored of page.Items ?? []) {
        const item = workItemFromTable(stored);
        if (item.kind === 'user_erasure') items.push(item);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined && items.length < limit);
    return items.slice(0, limit);
  }
}

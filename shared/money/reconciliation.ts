import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import type { VideoRecord } from '../video';
import { RECONCILE_PARTITION, reconcileDuePrefix, reconcileKey } from './keys';
import { type TransactOptions, transactWrite } from './transact';

/*
 * Provider jobs reelflow gave up on while they may still finish (and be billed by the provider): a cancelled video,
 * or one that failed because reelflow stopped waiting (`timed_out`) or could not reach the provider
 * (`provider_failed`), that has a provider job. The release that ends such a video writes one small work item
 * (keys.ts: pk `RECONCILE`, sk `{dueAt}#{videoId}`) in its own transaction; the scheduled reconciler queries the
 * items that are due, asks the provider how the job ended and records its cost for finance when it completed.
 * A release that already knows the provider billed (a video given up on while `storing`) records the cost itself
 * and writes no work item.
 */

/** Why a video's provider job is reconciled. */
export type ReconcileReason = 'cancelled' | 'timed_out' | 'provider_failed';

/** One provider job to look at again. Times are unix seconds. */
export interface ReconcileWorkItem {
  videoId: string;
  userId: string;
  providerVideoId: string;
  reason: ReconcileReason;
  /** When reelflow gave up on the video; the lookback window runs from here. */
  givenUpAt: number;
  /** When the job should be looked at next (part of the sort key). */
  dueAt: number;
  /** How many times the job was found still running. */
  checks: number;
  /** How many times looking at it failed with an unexpected error (absent: none). */
  failures?: number;
}

/** Failure codes that mean reelflow stopped following a job, not that the provider ended it. */
const GIVEN_UP_CODES = new Set<string>(['timed_out', 'provider_failed']);

/**
 * The work item for a video just released (its state after the release), or undefined when its provider job
 * needs no reconciliation: no job, a job the provider ended itself (`failed` with the provider's code), or a
 * completed video.
 */
export function reconcileWorkItemFor(video: VideoRecord, now: number): ReconcileWorkItem | undefined {
  if (video.providerVideoId === null || video.providerVideoId === '') return undefined;
  let reason: ReconcileReason;
  if (video.status === 'cancelled') reason = 'cancelled';
  else if (video.status === 'failed' && video.error !== null && GIVEN_UP_CODES.has(video.error.code)) {
    reason = video.error.code as ReconcileReason;
  } else return undefined;
  return {
    videoId: video.videoId,
    userId: video.userId,
    providerVideoId: video.providerVideoId,
    reason,
    givenUpAt: now,
    dueAt: now,
    checks: 0,
  };
}

/** The table item of a work item. */
export function reconcileItem(item: ReconcileWorkItem): Record<string, unknown> {
  return { ...reconcileKey(item.dueAt, item.videoId), entity: 'reconcile', ...item };
}

/** The work items, as the reconciler sees them. */
export interface ReconcileQueue {
  /** Up to `limit` items due at `now` or earlier, earliest first. */
  due(now: number, limit: number): Promise<ReconcileWorkItem[]>;
  /** Removes an item (done or abandoned). Removing one that is gone already is not an error. */
  remove(item: ReconcileWorkItem): Promise<void>;
  /**
   * Moves an item to `dueAt` (later than its current due time) with its check (or, for `'failure'`, its failure)
   * counted; false (nothing written) when the item is no longer there, e.g. another run handled it.
   */
  reschedule(item: ReconcileWorkItem, dueAt: number, counted?: 'check' | 'failure'): Promise<boolean>;
}

/** The DynamoDB work items (one partition, sorted by due time; strongly consistent queries). */
export class DynamoReconcileQueue implements ReconcileQueue {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: TransactOptions = {},
  ) {}

  async due(now: number, limit: number): Promise<ReconcileWorkItem[]> {
    const items: ReconcileWorkItem[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page: QueryCommandOutput = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          // `~` sorts after every video id character, so every item due in second `now` is included.
          KeyConditionExpression: 'pk = :pk AND sk <= :upTo',
          ExpressionAttributeValues: { ':pk': RECONCILE_PARTITION, ':upTo': `${reconcileDuePrefix(now)}#~` },
          ConsistentRead: true,
          Limit: limit - items.length,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(page.Items ?? []).map(fromItem));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined && items.length < limit);
    return items;
  }

  async remove(item: ReconcileWorkItem): Promise<void> {
    await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: reconcileKey(item.dueAt, item.videoId) }),
    );
  }

  async reschedule(item: ReconcileWorkItem, dueAt: number, counted: 'check' | 'failure' = 'check'): Promise<boolean> {
    if (dueAt <= item.dueAt) throw new Error(`A work item can only move later (${item.dueAt} → ${dueAt})`);
    const outcome = await transactWrite(
      this.client,
      [
        {
          Delete: {
            TableName: this.tableName,
            Key: reconcileKey(item.dueAt, item.videoId),
            ConditionExpression: 'attribute_exists(pk)',
          },
        },
        {
          Put: {
            TableName: this.tableName,
            Item: reconcileItem(movedItem(item, dueAt, counted)),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
      this.options,
    );
    return outcome.committed;
  }
}

/** An item moved to `dueAt` with one more check or failure counted. */
export function movedItem(item: ReconcileWorkItem, dueAt: number, counted: 'check' | 'failure'): ReconcileWorkItem {
  return counted === 'check'
    ? { ...item, dueAt, checks: item.checks + 1 }
    : { ...item, dueAt, failures: (item.failures ?? 0) + 1 };
}

function fromItem(item: Record<string, unknown>): ReconcileWorkItem {
  return {
    videoId: String(item.videoId),
    userId: String(item.userId),
    providerVideoId: String(item.providerVideoId),
    reason: item.reason as ReconcileReason,
    givenUpAt: Number(item.givenUpAt),
    dueAt: Number(item.dueAt),
    checks: Number(item.checks ?? 0),
    ...(item.failures === undefined ? {} : { failures: Number(item.failures) }),
  };
}

import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { TransactItem, TransactOptions } from '../aws/transact';
import { deadlineWatchAt } from '../pipeline/duration';
import { activeKey, type TableKey, usageIndexKeys, usageKey, videoKey, workItemKey } from '../table-keys';
import { fromItem } from '../video/item';
import type { VideoRecord } from '../video/video';
import type { AwsUnitPrices } from './aws-cost';
import type { SettlementResult, UsageDelta, VideoMoneyFields } from './decisions';
import { deadlineWatchItem, reconcileItem } from './reconciliation';

/*
 * The table items the money moves (reserve.ts, charge.ts, release.ts, provider-cost.ts) write together, and the
 * one read they share. Every move changes several items in one transaction, so none of them builds a command:
 * they build transaction items.
 */

/** Options of the money moves. */
export interface BillingOptions extends TransactOptions {
  /** @default DEFAULT_AWS_UNIT_PRICES */
  awsPrices?: AwsUnitPrices;
}

/** A video item as stored: the record's fields and its money fields. */
export type VideoItem = Record<string, unknown> & VideoMoneyFields;

/** How often a settlement re-reads and retries when the video changed between its read and its write. */
const MAX_SETTLEMENT_ATTEMPTS = 8;

/** A condition, and the values it names, on a transaction item. */
export interface ItemCondition {
  ConditionExpression: string;
  ExpressionAttributeValues?: Record<string, unknown>;
}

/** Reads a video item, strongly consistent: a settlement decides on what is there now. */
export async function readVideoItem(
  client: DynamoDBDocumentClient,
  tableName: string,
  videoId: string,
): Promise<VideoItem | undefined> {
  const { Item } = await client.send(
    new GetCommand({ TableName: tableName, Key: videoKey(videoId), ConsistentRead: true }),
  );
  return Item;
}

/**
 * Settles a video: reads it and lets `attempt` decide and write, again while the video changes between the read and
 * the write (`attempt` returns undefined then: its condition saw another writer, so decide again on what is there).
 * A missing video is not applied.
 */
export async function settleVideo(
  client: DynamoDBDocumentClient,
  tableName: string,
  videoId: string,
  move: 'charge' | 'release',
  attempt: (item: VideoItem, video: VideoRecord) => Promise<SettlementResult | undefined>,
): Promise<SettlementResult> {
  for (let count = 1; count <= MAX_SETTLEMENT_ATTEMPTS; count++) {
    const item = await readVideoItem(client, tableName, videoId);
    if (item === undefined) return { applied: false, video: undefined };
    const result = await attempt(item, fromItem(item));
    if (result !== undefined) return result;
  }
  throw new Error(`Video ${videoId} kept changing; ${move} not recorded`);
}

/** An UpdateItem in a transaction. */
export function updateItem(
  tableName: string,
  key: TableKey,
  expression: {
    UpdateExpression: string;
    ConditionExpression?: string;
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues: Record<string, unknown>;
  },
): TransactItem {
  return { Update: { TableName: tableName, Key: key, ...expression } };
}

/** Adds `amounts` to a user's month usage item (created on first use, with its gsi2 keys), under `condition`. */
export function usageUpdate(
  tableName: string,
  userId: string,
  month: string,
  amounts: UsageDelta,
  condition?: ItemCondition,
): TransactItem {
  const names = Object.keys(amounts);
  return updateItem(tableName, usageKey(userId, month), {
    UpdateExpression:
      'SET entity = :usage, userId = :userId, #month = :month, gsi2pk = :gsi2pk, gsi2sk = :gsi2sk ' +
      `ADD ${names.map((name) => `${name} :${name}`).join(', ')}`,
    ...(condition === undefined ? {} : { ConditionExpression: condition.ConditionExpression }),
    ExpressionAttributeNames: { '#month': 'month' },
    ExpressionAttributeValues: {
      ':usage': 'usage',
      ':userId': userId,
      ':month': month,
      ...prefixed(usageIndexKeys(userId, month)),
      ...prefixed(amounts),
      ...condition?.ExpressionAttributeValues,
    },
  });
}

/** One video fewer in progress for the user. */
export function activeRelease(tableName: string, userId: string): TransactItem {
  return updateItem(tableName, activeKey(userId), {
    UpdateExpression: 'ADD activeCount :minusOne',
    ExpressionAttributeValues: { ':minusOne': -1 },
  });
}

/**
 * The video's deadline watch (reconciliation.ts), due once no execution of it can still be running: if no charge
 * or release has settled the video by then, the reconciler releases it as failed `timed_out`.
 */
export function deadlineWatchPut(tableName: string, video: VideoRecord): TransactItem {
  return {
    Put: { TableName: tableName, Item: reconcileItem(deadlineWatchItem(video, deadlineWatchAt(video.createdAt))) },
  };
}

/**
 * Settling a video removes its deadline watch in the same transaction, so the reconciler's queue holds only videos
 * that may still need it. (A watch the reconciler has moved, or one written with another pipeline duration, is
 * missed here and removed by the reconciler when due.)
 */
export function deadlineWatchDelete(tableName: string, video: VideoRecord): TransactItem {
  const key = workItemKey({ kind: 'deadline', dueAt: deadlineWatchAt(video.createdAt), videoId: video.videoId });
  return { Delete: { TableName: tableName, Key: key } };
}

/** Expression attribute values named after their attributes (`:name`). */
export function prefixed(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [`:${name}`, value]));
}

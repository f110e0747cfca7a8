import { setTimeout as sleep } from 'node:timers/promises';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { encodeCursor } from '../http/cursor';
import { isVideoId } from '../ids';
import { USER_VIDEOS_PREFIX, userPartition, videoKey } from '../table-keys';
import { decodeCursor, decodeStatusCursor, type StatusCursor, startAfterVideo } from './cursors';
import { fromItem, type VideoItem } from './item';
import type { VideoStatus } from './schemas';
import type { VideoPage, VideoRepository, VideoStatusIndex } from './store';
import type { VideoRecord } from './video';

/** How often a BatchGetItem's unprocessed keys are asked for again before the listing gives up (throttling). */
const BATCH_GET_ROUNDS = 5;

/**
 * The DynamoDB reads of video records: one video, a user's list (index gsi1) and a status listing (index gsi3). The
 * repository's writes build on it (repository.ts).
 */
export class DynamoVideoReads implements Pick<VideoRepository, 'get' | 'listByUser'>, VideoStatusIndex {
  constructor(
    protected readonly client: DynamoDBDocumentClient,
    protected readonly tableName: string,
  ) {}

  async get(videoId: string, options: { consistent?: boolean } = {}): Promise<VideoRecord | undefined> {
    return this.read(videoId, options.consistent ?? false);
  }

  async listByUser(
    userId: string,
    options: { limit: number; after?: string; status?: VideoStatus },
  ): Promise<VideoPage> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined =
      options.after === undefined
        ? undefined
        : {
            ...(isVideoId(options.after)
              ? startAfterVideo(options.after, userId)
              : decodeCursor(options.after, userId)),
          };
    // A status filter is applied after DynamoDB's Limit, so keep reading until one item past the page is found.
    do {
      const page: QueryCommandOutput = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :user AND begins_with(gsi1sk, :video)',
          ExpressionAttributeValues: {
            ':user': userPartition(userId),
            ':video': USER_VIDEOS_PREFIX,
            ...(options.status === undefined ? {} : { ':status': options.status }),
          },
          ...(options.status === undefined
            ? {}
            : { FilterExpression: '#status = :status', ExpressionAttributeNames: { '#status': 'status' } }),
          ScanIndexForward: false,
          Limit: options.limit + 1,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (items.length <= options.limit && startKey !== undefined);

    const pageItems = items.slice(0, options.limit);
    const last = pageItems.at(-1) as VideoItem | undefined;
    const hasMore = items.length > options.limit;
    return {
      items: pageItems.map(fromItem),
      nextCursor:
        hasMore && last !== undefined
          ? encodeCursor({ pk: last.pk, sk: last.sk, gsi1pk: last.gsi1pk, gsi1sk: last.gsi1sk })
          : null,
    };
  }

  async listByStatus(status: VideoStatus, options: { limit: number; after?: string }): Promise<VideoPage> {
    const found: Array<{ record: VideoRecord; key: StatusCursor }> = [];
    let startKey: Record<string, unknown> | undefined =
      options.after === undefined ? undefined : { ...decodeStatusCursor(options.after, status) };
    // The index holds keys only (progress updates do not rewrite it); the items are read by key, and a video that
    // changed status in between is dropped, so keep reading until one video past the page is found.
    do {
      const page: QueryCommandOutput = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'gsi3',
          KeyConditionExpression: '#status = :status',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':status': status },
          ScanIndexForward: false,
          Limit: options.limit + 1 - found.length,
          ExclusiveStartKey: startKey,
        }),
      );
      // Other items carry `status` and `videoId` too (a webhook delivery's `failed`): only a video's own item counts.
      const keys = ((page.Items ?? []) as StatusCursor[]).filter((key) => key.pk === videoKey(key.videoId).pk);
      const records = await this.readMany(keys.map((key) => key.videoId));
      for (const key of keys) {
        const record = records.get(key.videoId);
        if (record?.status === status && typeof record.deletedAt !== 'number') found.push({ record, key });
      }
      startKey = page.LastEvaluatedKey;
    } while (found.length <= options.limit && startKey !== undefined);
    const pageItems = found.slice(0, options.limit);
    const last = pageItems.at(-1)?.key;
    return {
      items: pageItems.map(({ record }) => record),
      nextCursor:
        found.length > options.limit && last !== undefined
          ? encodeCursor({ pk: last.pk, sk: last.sk, status: last.status, videoId: last.videoId })
          : null,
    };
  }

  protected async read(videoId: string, consistent: boolean): Promise<VideoRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: videoKey(videoId), ConsistentRead: consistent }),
    );
    return Item === undefined ? undefined : fromItem(Item);
  }

  /** The videos of these ids that exist, by id (BatchGetItem, at most 100 ids; unprocessed keys asked again). */
  private async readMany(videoIds: readonly string[]): Promise<Map<string, VideoRecord>> {
    const records = new Map<string, VideoRecord>();
    let keys: Record<string, unknown>[] = videoIds.map((videoId) => ({ ...videoKey(videoId) }));
    for (let round = 0; keys.length > 0; round++) {
      if (round === BATCH_GET_ROUNDS) throw new Error(`BatchGetItem left ${keys.length} keys unprocessed`);
      // Unprocessed keys mean the table throttled this read: back off before asking again.
      if (round > 0) await sleep(25 * 2 ** round);
      const { Responses, UnprocessedKeys } = await this.client.send(
        new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys } } }),
      );
      for (const item of Responses?.[this.tableName] ?? []) {
        const record = fromItem(item);
        records.set(record.videoId, record);
      }
      keys = (UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
    }
    return records;
  }
}

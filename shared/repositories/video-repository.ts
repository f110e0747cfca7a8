import { setTimeout as sleep } from 'node:timers/promises';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandOutput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { isVideoId } from '../ids';
import type { VideoStatus } from '../schemas';
import { providerJobKey, USER_VIDEOS_PREFIX, userPartition, videoIndexKeys, videoKey } from '../table-keys';
import type { VideoContent, VideoRecord } from '../video';
import { cursorFields, encodeCursor, invalidCursor } from './cursor';

export { encodeCursor } from './cursor';

/** A page of a user's videos, newest first. */
export interface VideoPage {
  items: VideoRecord[];
  /** Opaque; pass back as `after`. Null when there is nothing more. */
  nextCursor: string | null;
}

/** What a completion writes. */
export interface CompletionUpdate {
  content: VideoContent;
  completedAt: number;
}

/** The outcome of a conditional write that may find the video already moved on. */
export interface TransitionResult {
  /** True when this call changed the record. */
  applied: boolean;
  /** The record after the write when applied; the record as found when not (undefined if missing). */
  video: VideoRecord | undefined;
}

/**
 * Access to video records (and provider job claims). Logic modules take this interface, tests fake it. Writing a
 * new video and settling one (completed, failed, cancelled) move money, so they live in the money module
 * (shared/money: reserve.ts, charge.ts, release.ts), never here.
 */
export interface VideoRepository {
  /** The video; `consistent` reads it strongly consistently (after a write of this or another attempt). */
  get(videoId: string, options?: { consistent?: boolean }): Promise<VideoRecord | undefined>;
  /**
   * A user's videos newest first, optionally only one status. `after` is where the previous page ended: its opaque
   * `nextCursor`, or the id of the last video seen (OpenAI's `last_id`; the caller checks it is the user's own).
   */
  listByUser(userId: string, options: { limit: number; after?: string; status?: VideoStatus }): Promise<VideoPage>;
  /** Moves a non-terminal video to a non-terminal status (and progress); false when it is terminal or missing. */
  updateStatus(
    videoId: string,
    update: { status: 'queued' | 'in_progress' | 'storing'; progress?: number; now: number },
  ): Promise<boolean>;
  /** Counts a provider-create attempt (first attempt time kept); returns the record after the write. */
  recordCreateAttempt(videoId: string, now: number): Promise<TransitionResult>;
  /** Claims a provider job for one video; false when another video holds it. Idempotent for the same video. */
  claimProviderJob(providerVideoId: string, videoId: string, now: number): Promise<boolean>;
  /** Stores the provider job id and its status on a non-terminal video that has no other job id. */
  saveProviderJob(
    videoId: string,
    job: { providerVideoId: string; status: 'queued' | 'in_progress'; progress: number; now: number },
  ): Promise<boolean>;
  /**
   * Turns a terminal video into a tombstone: `deletedAt` set; its prompt, metadata, content description and place in
   * the user's list (index gsi1) removed; the prompt's hash (`promptSha256`, kept for the orphaned-job search) set if
   * the record has none; the cost fields stay. Not applied when it is not terminal, deleted already or missing.
   */
  markDeleted(videoId: string, now: number, promptSha256: string): Promise<TransitionResult>;
}

/** Every user's videos in one status, newest first (operators' view; index gsi3). */
export interface VideoStatusIndex {
  /**
   * One page of the videos now in `status`, across users (deleted ones left out). `after` is the previous page's
   * `nextCursor`. A video that moved on between the index read and the item read is left out of the page.
   */
  listByStatus(status: VideoStatus, options: { limit: number; after?: string }): Promise<VideoPage>;
}

/** The table's item for a video (internal attribute names are camelCase; the wire is snake_case). */
interface VideoItem extends Partial<Omit<VideoRecord, 'videoId' | 'userId'>> {
  pk: string;
  sk: string;
  gsi1pk: string;
  gsi1sk: string;
  entity: 'video';
  videoId: string;
  userId: string;
}

interface ListCursor {
  pk: string;
  sk: string;
  gsi1pk: string;
  gsi1sk: string;
}

const NOT_TERMINAL = 'attribute_exists(pk) AND NOT (#status IN (:completed, :failed, :cancelled))';
const TERMINAL_VALUES = { ':completed': 'completed', ':failed': 'failed', ':cancelled': 'cancelled' };

/** Maps a record to its item; null fields are left out so `attribute_not_exists` conditions mean "not set". */
export function toItem(video: VideoRecord): VideoItem {
  const item: Record<string, unknown> = {
    ...videoKey(video.videoId),
    ...videoIndexKeys(video.userId, video.videoId),
    entity: 'video',
  };
  for (const [name, value] of Object.entries(video)) {
    if (value !== null && value !== undefined) item[name] = value;
  }
  return item as unknown as VideoItem;
}

/** Maps an item back to a record, filling absent optional fields with null. */
export function fromItem(item: Record<string, unknown>): VideoRecord {
  const v = item as unknown as VideoItem;
  return {
    videoId: v.videoId,
    userId: v.userId,
    status: v.status ?? 'queued',
    progress: v.progress ?? 0,
    prompt: v.prompt ?? '',
    model: v.model ?? 'sora-2',
    seconds: v.seconds ?? '4',
    size: v.size ?? '720x1280',
    metadata: v.metadata ?? {},
    remixedFromVideoId: v.remixedFromVideoId ?? null,
    createdAt: v.createdAt ?? 0,
    updatedAt: v.updatedAt ?? v.createdAt ?? 0,
    completedAt: v.completedAt ?? null,
    error: v.error ?? null,
    estimatedMicros: v.estimatedMicros ?? 0,
    chargedMicros: v.chargedMicros ?? null,
    priceVersion: v.priceVersion ?? '',
    content: v.content ?? null,
    providerVideoId: v.providerVideoId ?? null,
    providerCreateAttempts: v.providerCreateAttempts ?? 0,
    providerFirstAttemptAt: v.providerFirstAttemptAt ?? null,
    // Only present on remixes, edits, extensions, deleted videos and videos from an image, so records of plain videos keep their original shape.
    ...(v.remixSourceProviderVideoId ? { remixSourceProviderVideoId: v.remixSourceProviderVideoId } : {}),
    ...(typeof v.deletedAt === 'number' ? { deletedAt: v.deletedAt } : {}),
    ...(typeof v.promptSha256 === 'string' ? { promptSha256: v.promptSha256 } : {}),
    ...(typeof v.idempotencyRecordId === 'string' ? { idempotencyRecordId: v.idempotencyRecordId } : {}),
    ...(v.inputReference ? { inputReference: v.inputReference } : {}),
    ...(v.derivedFrom ? { derivedFrom: v.derivedFrom } : {}),
  };
}

/**
 * The index position just past a video of this user's list. Built from the id alone, as the index keys are
 * (`gsi1sk` = `VIDEO#<id>`, ULIDs sort by creation time): it also works for a video deleted since (no longer in
 * the index), and the partition is always this user's, so no id can reach another user's list.
 */
export function startAfterVideo(videoId: string, userId: string): ListCursor {
  return { ...videoKey(videoId), gsi1pk: userPartition(userId), gsi1sk: `VIDEO#${videoId}` };
}

/** Decodes a cursor for this user's list; anything else is a 400 on `after`. */
export function decodeCursor(cursor: string, userId: string): ListCursor {
  const key = cursorFields(cursor) as Partial<ListCursor>;
  const fields = [key.pk, key.sk, key.gsi1pk, key.gsi1sk];
  if (fields.some((field) => typeof field !== 'string') || key.gsi1pk !== userPartition(userId)) throw invalidCursor();
  return { pk: key.pk!, sk: key.sk!, gsi1pk: key.gsi1pk!, gsi1sk: key.gsi1sk! };
}

/** gsi3's key of a video item (with the table key): where a page of a status listing ended. */
interface StatusCursor {
  pk: string;
  sk: string;
  status: string;
  videoId: string;
}

/** Decodes a cursor of the listing of `status`; anything else is a 400 on `after`. */
function decodeStatusCursor(cursor: string, status: VideoStatus): StatusCursor {
  const key = cursorFields(cursor) as Partial<StatusCursor>;
  const fields = [key.pk, key.sk, key.status, key.videoId];
  if (fields.some((field) => typeof field !== 'string') || Object.keys(key).length !== 4 || key.status !== status) {
    throw invalidCursor();
  }
  return { pk: key.pk!, sk: key.sk!, status: key.status!, videoId: key.videoId! };
}

/** How often a BatchGetItem's unprocessed keys are asked for again before the listing gives up (throttling). */
const BATCH_GET_ROUNDS = 5;

function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** The DynamoDB implementation (one table: keys pk/sk, index gsi1 for a user's videos). */
export class DynamoVideoRepository implements VideoRepository, VideoStatusIndex {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
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
      const keys = (page.Items ?? []) as StatusCursor[];
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

  async updateStatus(
    videoId: string,
    update: { status: 'queued' | 'in_progress' | 'storing'; progress?: number; now: number },
  ): Promise<boolean> {
    const progress = update.progress === undefined ? '' : ', progress = :progress';
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: videoKey(videoId),
          UpdateExpression: `SET #status = :status, updatedAt = :now${progress}`,
          ConditionExpression: NOT_TERMINAL,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': update.status,
            ':now': update.now,
            ...(update.progress === undefined ? {} : { ':progress': update.progress }),
            ...TERMINAL_VALUES,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async recordCreateAttempt(videoId: string, now: number): Promise<TransitionResult> {
    return this.transition(videoId, {
      UpdateExpression:
        'SET providerCreateAttempts = if_not_exists(providerCreateAttempts, :zero) + :one, ' +
        'providerFirstAttemptAt = if_not_exists(providerFirstAttemptAt, :now), ' +
        'providerLastAttemptAt = :now, updatedAt = :now',
      ConditionExpression: NOT_TERMINAL,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':now': now, ...TERMINAL_VALUES },
    });
  }

  async claimProviderJob(providerVideoId: string, videoId: string, now: number): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...providerJobKey(providerVideoId),
            entity: 'providerJobClaim',
            providerVideoId,
            videoId,
            claimedAt: now,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR videoId = :videoId',
          ExpressionAttributeValues: { ':videoId': videoId },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async saveProviderJob(
    videoId: string,
    job: { providerVideoId: string; status: 'queued' | 'in_progress'; progress: number; now: number },
  ): Promise<boolean> {
    const result = await this.transition(videoId, {
      UpdateExpression:
        'SET providerVideoId = :providerVideoId, #status = :status, progress = :progress, updatedAt = :now',
      ConditionExpression: `${NOT_TERMINAL} AND (attribute_not_exists(providerVideoId) OR providerVideoId = :providerVideoId)`,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':providerVideoId': job.providerVideoId,
        ':status': job.status,
        ':progress': job.progress,
        ':now': job.now,
        ...TERMINAL_VALUES,
      },
    });
    return result.applied;
  }

  async markDeleted(videoId: string, now: number, promptSha256: string): Promise<TransitionResult> {
    return this.transition(videoId, {
      UpdateExpression:
        'SET deletedAt = :now, updatedAt = :now, promptSha256 = if_not_exists(promptSha256, :promptSha256) ' +
        'REMOVE gsi1pk, gsi1sk, content, prompt, metadata',
      ConditionExpression:
        'attribute_exists(pk) AND #status IN (:completed, :failed, :cancelled) AND attribute_not_exists(deletedAt)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':now': now, ':promptSha256': promptSha256, ...TERMINAL_VALUES },
    });
  }

  private async read(videoId: string, consistent: boolean): Promise<VideoRecord | undefined> {
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

  /** One conditional update; a failed condition returns the record as found instead of throwing. */
  private async transition(
    videoId: string,
    expression: {
      UpdateExpression: string;
      ConditionExpression: string;
      ExpressionAttributeNames: Record<string, string>;
      ExpressionAttributeValues: Record<string, unknown>;
    },
  ): Promise<TransitionResult> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: videoKey(videoId),
          ...expression,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { applied: true, video: Attributes === undefined ? undefined : fromItem(Attributes) };
    } catch (error) {
      // The document client does not unmarshall the failed item, so read the record as it stands.
      if (isConditionFailure(error)) return { applied: false, video: await this.read(videoId, true) };
      throw error;
    }
  }
}

import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from '../aws/condition-failure';
import type { TransactItem } from '../aws/transact';
import { ConflictError } from '../errors';
import { idempotencyGuardKey } from '../table-keys';
import { TABLE_TTL_ATTRIBUTE } from '../table-ttl';
import { unixSeconds } from '../video/video';

// The durable half of Idempotency-Key: the key claimed in the reserve transaction, so that a retry after a crash still
// finds its first video. Why Powertools' half is not enough: docs/ARCHITECTURE.md, "The path of an HTTP request".

/** How long a key stands for its first video: 24 hours, long enough for any client's retries of one request. */
export const IDEMPOTENCY_GUARD_SECONDS = 24 * 60 * 60;

/** What a keyed request claims with its reservation. */
export interface ReservationGuard {
  /** The client's Idempotency-Key (stored only as a hash). */
  key: string;
  /** The hash of what was asked (route and validated request); another hash with the same key is a 409. */
  requestHash: string;
}

/** A claimed key: the video it stands for until `expiresAt` (unix seconds). */
export interface ClaimedKey {
  userId: string;
  videoId: string;
  requestHash: string;
  createdAt: number;
  expiresAt: number;
}

/** Thrown by reserve() when the key is claimed already (nothing written): the caller replays the earlier video. */
export class IdempotencyKeyClaimedError extends ConflictError {
  override name = 'IdempotencyKeyClaimedError';
  constructor() {
    super('This Idempotency-Key was already used', 'idempotency_key_reused');
  }
}

/**
 * The transaction item that claims `guard.key` for `video`: fails unless the key is unclaimed or its claim has
 * expired (then it is overwritten).
 */
export function guardClaimItem(
  tableName: string,
  video: { userId: string; videoId: string },
  guard: ReservationGuard,
  now: Date,
): TransactItem {
  const createdAt = unixSeconds(now);
  const claim: ClaimedKey = {
    userId: video.userId,
    videoId: video.videoId,
    requestHash: guard.requestHash,
    createdAt,
    expiresAt: createdAt + IDEMPOTENCY_GUARD_SECONDS,
  };
  return {
    Put: {
      TableName: tableName,
      // DynamoDB's TTL removes the claim once it no longer counts (a dropped claim stays until then: harmless).
      Item: {
        ...idempotencyGuardKey(video.userId, guard.key),
        entity: 'idempotency',
        ...claim,
        [TABLE_TTL_ATTRIBUTE]: claim.expiresAt,
      },
      ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
      ExpressionAttributeValues: { ':now': createdAt },
    },
  };
}

/** Whether a claim still stands at `now`. */
export function isClaimLive(claim: ClaimedKey, now: Date): boolean {
  return claim.expiresAt > unixSeconds(now);
}

/** Reads and drops claims (the claim itself is written by reserve()). */
export interface IdempotencyGuards {
  /** The claim on a user's key (expired or not), read consistently; undefined when there is none. */
  find(userId: string, key: string): Promise<ClaimedKey | undefined>;
  /**
   * Ends the claim now if it still names `videoId` (a video that could not be started: the key may be retried).
   * The item stays, expired, and the key's next request overwrites it (only UpdateItem needed, like reserve).
   */
  drop(userId: string, key: string, videoId: string): Promise<void>;
}

export class DynamoIdempotencyGuards implements IdempotencyGuards {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async find(userId: string, key: string): Promise<ClaimedKey | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: idempotencyGuardKey(userId, key), ConsistentRead: true }),
    );
    if (Item === undefined) return undefined;
    return {
      userId: String(Item.userId),
      videoId: String(Item.videoId),
      requestHash: String(Item.requestHash),
      createdAt: Number(Item.createdAt),
      expiresAt: Number(Item.expiresAt),
    };
  }

  async drop(userId: string, key: string, videoId: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: idempotencyGuardKey(userId, key),
          UpdateExpression: 'SET expiresAt = :expired',
          ConditionExpression: 'videoId = :videoId',
          ExpressionAttributeValues: { ':videoId': videoId, ':expired': 0 },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) return;
      throw error;
    }
  }
}

import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type AuditRecord, auditItem } from '../audit/audit';
import { isConditionFailure } from '../aws/condition-failure';
import { type TransactOptions, transactWrite } from '../aws/transact';
import { userErasureWorkItem } from '../money/reconciliation';
import type { UserErasureResource } from '../money/schemas';
import { erasureKey } from '../table-keys';
import { erasureWorkTableItem } from './erasure-queue';

/*
 * An erasure of a user's data (`DELETE /v1/admin/users/{userId}`): one item per user (`USER#{userId}` / `ERASURE`,
 * the latest erasure), its audit record and the `user_erasure` work item that does the work (erasure partition,
 * erasure-queue.ts) are written in ONE transaction, so there is no erasure without its record nor a record of one
 * nobody will carry out. The scheduled functions/erase-user-data carries it out and adds each run's counts here; the
 * last run marks it completed. What is erased, and what stays: functions/erase-user-data/erasure-run.ts.
 */

/** Where an erasure stands. */
export type UserErasureStatus = 'pending' | 'completed';

/** An erasure of a user's data. Times are unix seconds. */
export interface UserErasure {
  erasureId: string;
  userId: string;
  status: UserErasureStatus;
  /** The finance user who asked for it. */
  requestedBy: string;
  requestedAt: number;
  completedAt: number | null;
  videosErased: number;
  videosCancelled: number;
  objectsDeleted: number;
}

/** What one run of the erasure did (added to the erasure's counts). */
export interface ErasureCounts {
  videosErased: number;
  videosCancelled: number;
  objectsDeleted: number;
}

/** A request to erase a user's data. */
export interface ErasureRequest {
  userId: string;
  erasureId: string;
  /** The audit record of the request (action `user.erased`). */
  audit: AuditRecord;
  now: number;
}

/** The erasures of users' data. */
export interface UserErasures {
  /** The user's latest erasure (strongly consistent). */
  get(userId: string): Promise<UserErasure | undefined>;
  /**
   * Starts an erasure unless one is pending: the erasure, its audit record and its work item in one transaction.
   * `started: false` with the erasure found when one is pending already (nothing written).
   */
  start(request: ErasureRequest): Promise<{ started: boolean; erasure: UserErasure }>;
  /**
   * Queues the work of a pending erasure again, due now (a second request resumes an erasure whose work item was
   * given up on; a duplicate item finds the work done).
   */
  requeue(erasure: UserErasure, now: number): Promise<void>;
  /**
   * Adds a run's counts to the erasure `erasureId` and, with `completedAt`, marks it completed; false when the user's
   * erasure is another one or completed already.
   */
  recordProgress(userId: string, erasureId: string, counts: ErasureCounts, completedAt?: number): Promise<boolean>;
}

/** The API's view of an erasure. */
export function toUserErasureResource(erasure: UserErasure): UserErasureResource {
  return {
    id: erasure.erasureId,
    object: 'user.erasure',
    user_id: erasure.userId,
    status: erasure.status,
    requested_by: erasure.requestedBy,
    requested_at: erasure.requestedAt,
    completed_at: erasure.completedAt,
    videos_erased: erasure.videosErased,
    videos_cancelled: erasure.videosCancelled,
    objects_deleted: erasure.objectsDeleted,
  };
}

function fromItem(item: Record<string, unknown>): UserErasure {
  return {
    erasureId: String(item.erasureId),
    userId: String(item.userId),
    status: item.status === 'completed' ? 'completed' : 'pending',
    requestedBy: String(item.requestedBy),
    requestedAt: Number(item.requestedAt),
    completedAt: typeof item.completedAt === 'number' ? item.completedAt : null,
    videosErased: Number(item.videosErased ?? 0),
    videosCancelled: Number(item.videosCancelled ?? 0),
    objectsDeleted: Number(item.objectsDeleted ?? 0),
  };
}

/** The DynamoDB erasures (main table). */
export class DynamoUserErasures implements UserErasures {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: TransactOptions = {},
  ) {}

  async get(userId: string): Promise<UserErasure | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: erasureKey(userId), ConsistentRead: true }),
    );
    return Item === undefined ? undefined : fromItem(Item);
  }

  async start(request: ErasureRequest): Promise<{ started: boolean; erasure: UserErasure }> {
    const erasure: UserErasure = {
      erasureId: request.erasureId,
      userId: request.userId,
      status: 'pending',
      requestedBy: request.audit.actorUserId,
      requestedAt: request.now,
      completedAt: null,
      videosErased: 0,
      videosCancelled: 0,
      objectsDeleted: 0,
    };
    const { completedAt: _none, ...pending } = erasure;
    const outcome = await transactWrite(
      this.client,
      [
        {
          Put: {
            TableName: this.tableName,
            Item: { ...erasureKey(request.userId), entity: 'erasure', ...pending },
            // A pending erasure is not started twice; a completed one may be followed by a new one.
            ConditionExpression: 'attribute_not_exists(pk) OR #status = :completed',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':completed': 'completed' },
          },
        },
        {
          Put: {
            TableName: this.tableName,
            Item: auditItem(request.audit),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName: this.tableName,
            Item: erasureWorkTableItem(userErasureWorkItem(request.userId, request.erasureId, request.now)),
          },
        },
      ],
      this.options,
    );
    if (outcome.committed) return { started: true, erasure };
    const found = await this.get(request.userId);
    if (outcome.reasons[0] !== 'ConditionalCheckFailed' || found === undefined) {
      throw new Error(`Erasure of ${request.userId} not started: ${outcome.reasons.join(', ')}`);
    }
    return { started: false, erasure: found };
  }

  async requeue(erasure: UserErasure, now: number): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: erasureWorkTableItem(userErasureWorkItem(erasure.userId, erasure.erasureId, now)),
      }),
    );
  }

  async recordProgress(
    userId: string,
    erasureId: string,
    counts: ErasureCounts,
    completedAt?: number,
  ): Promise<boolean> {
    const complete = completedAt === undefined ? '' : ' SET #status = :completed, completedAt = :completedAt';
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: erasureKey(userId),
          UpdateExpression: `ADD videosErased :erased, videosCancelled :cancelled, objectsDeleted :objects${complete}`,
          ConditionExpression: 'erasureId = :erasureId AND #status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':erasureId': erasureId,
            ':pending': 'pending',
            ':erased': counts.videosErased,
            ':cancelled': counts.videosCancelled,
            ':objects': counts.objectsDeleted,
            ...(completedAt === undefined ? {} : { ':completed': 'completed', ':completedAt': completedAt }),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}

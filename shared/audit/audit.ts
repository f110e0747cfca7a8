import { type DynamoDBDocumentClient, PutCommand, QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { cursorFields, encodeCursor, invalidCursor } from '../http/cursor';
import { monthOf } from '../money/calendar';
import type { AuditRecordResource } from '../money/schemas';
import type { UserLimits } from '../money/user-limits';
import { auditIndexKeys, auditKey, auditPrefix, monthAuditPartition, userPartition } from '../table-keys';

export type { AuditList, AuditQuery, AuditRecordResource } from '../money/schemas';

/*
 * The audit trail: one append-only record per change of a user's data by someone else (today: limits). A record is
 * written in the same transaction as the change it describes, so there is never a change without its record nor a
 * record of a change that did not happen; nothing updates or deletes one.
 */

/**
 * What was done: a change of a user's limits (finance), a redrive of a video's execution (operators), an erasure of a
 * user's data (finance).
 */
export type AuditAction = 'user_limits.updated' | 'video.redriven' | 'user.erased';

/** What every audit record says: who did it, to whose data, in which request, when. */
interface AuditRecordBase {
  auditId: string;
  /** Who did it: the caller's user id (token `sub`). */
  actorUserId: string;
  /** Whose data changed (for a redrive: the video's owner). */
  userId: string;
  /** The API request that made the change (API Gateway's request id, the response's `x-request-id`). */
  requestId: string | null;
  /** Unix seconds. */
  createdAt: number;
}

/** A change of a user's limits: the effective values before and after. */
export interface LimitsAuditRecord extends AuditRecordBase {
  action: 'user_limits.updated';
  oldValues: UserLimits;
  newValues: UserLimits;
}

/** The execution's state as a redrive record shows it. */
export interface ExecutionAuditValues {
  executionStatus: string;
  redriveCount: number;
}

/** A redrive of a video's execution: the execution before (e.g. FAILED, 0) and after (RUNNING, 1). */
export interface RedriveAuditRecord extends AuditRecordBase {
  action: 'video.redriven';
  videoId: string;
  oldValues: ExecutionAuditValues;
  newValues: ExecutionAuditValues;
}

/** An erasure of a user's data was requested: which erasure (its progress is on the erasure itself). */
export interface ErasureAuditRecord extends AuditRecordBase {
  action: 'user.erased';
  erasureId: string;
}

/** One audit record. */
export type AuditRecord = LimitsAuditRecord | RedriveAuditRecord | ErasureAuditRecord;

/** The table item of a record: under the user's partition and in its month's gsi2 partition. */
export function auditItem(record: AuditRecord): Record<string, unknown> {
  const month = monthOf(new Date(record.createdAt * 1000));
  return {
    ...auditKey(record.userId, month, record.auditId),
    ...auditIndexKeys(month, record.auditId),
    entity: 'audit',
    ...record,
  };
}

function toAuditRecord(item: Record<string, unknown>): AuditRecord {
  const base: AuditRecordBase = {
    auditId: String(item.auditId),
    actorUserId: String(item.actorUserId),
    userId: String(item.userId),
    requestId: typeof item.requestId === 'string' ? item.requestId : null,
    createdAt: Number(item.createdAt),
  };
  if (item.action === 'user.erased') return { ...base, action: 'user.erased', erasureId: String(item.erasureId) };
  if (item.action === 'video.redriven') {
    return {
      ...base,
      action: 'video.redriven',
      videoId: String(item.videoId),
      oldValues: item.oldValues as ExecutionAuditValues,
      newValues: item.newValues as ExecutionAuditValues,
    };
  }
  return {
    ...base,
    action: 'user_limits.updated',
    oldValues: item.oldValues as UserLimits,
    newValues: item.newValues as UserLimits,
  };
}

/** Which records to list: one user's (all months, or one), or every user's of one month. */
export type AuditSelection = { userId: string; month?: string } | { month: string };

/** A page of records, newest first. */
export interface AuditPage {
  records: AuditRecord[];
  /** Opaque; pass back as `after`. Null when there is nothing more. */
  nextCursor: string | null;
}

/** How to page through the records; `actorUserId` keeps only the records of what that caller did. */
export interface AuditListOptions {
  limit: number;
  after?: string;
  actorUserId?: string;
}

/** Reads and appends to the audit trail. */
export interface AuditLog {
  list(selection: AuditSelection, options: AuditListOptions): Promise<AuditPage>;
  /**
   * Appends a record of a change that is not a DynamoDB write (a redrive): changes written to the table put their
   * record in their own transaction instead (limits.ts).
   */
  append(record: AuditRecord): Promise<void>;
}

type Cursor = Record<string, string>;

/** The DynamoDB audit trail: a user's records from their partition, a month's from gsi2. */
export class DynamoAuditLog implements AuditLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async list(selection: AuditSelection, options: AuditListOptions): Promise<AuditPage> {
    const byUser = 'userId' in selection;
    const partition = byUser ? userPartition(selection.userId) : monthAuditPartition(selection.month);
    let startKey: Cursor | undefined =
      options.after === undefined ? undefined : decodeAuditCursor(options.after, byUser, partition);
    const actor = options.actorUserId;
    const items: Record<string, unknown>[] = [];
    // A filter (the actor) applies after DynamoDB's Limit, so read on until one record past the page is found.
    do {
      const { Items = [], LastEvaluatedKey }: QueryCommandOutput = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          ...(byUser
            ? {
                KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
                ExpressionAttributeValues: {
                  ':pk': partition,
                  ':prefix': auditPrefix(selection.month),
                  ...(actor === undefined ? {} : { ':actor': actor }),
                },
                // A record is read right after the change that wrote it (the CLI shows it at once).
                ConsistentRead: true,
              }
            : {
                IndexName: 'gsi2',
                KeyConditionExpression: 'gsi2pk = :pk',
                ExpressionAttributeValues: { ':pk': partition, ...(actor === undefined ? {} : { ':actor': actor }) },
              }),
          ...(actor === undefined ? {} : { FilterExpression: 'actorUserId = :actor' }),
          ScanIndexForward: false,
          Limit: options.limit + 1,
          ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
        }),
      );
      items.push(...Items);
      startKey = LastEvaluatedKey as Cursor | undefined;
    } while (items.length <= options.limit && startKey !== undefined);
    const page = items.slice(0, options.limit);
    const last = page.at(-1);
    return {
      records: page.map(toAuditRecord),
      nextCursor:
        items.length > options.limit && last !== undefined
          ? encodeCursor(
              byUser
                ? { pk: last.pk, sk: last.sk }
                : { pk: last.pk, sk: last.sk, gsi2pk: last.gsi2pk, gsi2sk: last.gsi2sk },
            )
          : null,
    };
  }

  async append(record: AuditRecord): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: auditItem(record),
        // Append-only: a record is never overwritten.
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }
}

/** A cursor of this same listing (same partition, same index); anything else is a 400 on `after`. */
function decodeAuditCursor(cursor: string, byUser: boolean, partition: string): Cursor {
  const invalid = invalidCursor;
  const key = cursorFields(cursor);
  const names = byUser ? ['pk', 'sk'] : ['pk', 'sk', 'gsi2pk', 'gsi2sk'];
  if (Object.keys(key).length !== names.length) throw invalid();
  if (names.some((name) => typeof key[name] !== 'string')) throw invalid();
  if ((byUser ? key.pk : key.gsi2pk) !== partition) throw invalid();
  if (byUser && !String(key.sk).startsWith(auditPrefix())) throw invalid();
  return key as Cursor;
}

const limitsValues = (limits: UserLimits) => ({
  budget_micros: limits.budgetMicros,
  max_active: limits.maxActive,
  max_per_day: limits.maxPerDay,
});

/** A record as the API shows it. */
export function toAuditRecordResource(record: AuditRecord): AuditRecordResource {
  const base = {
    id: record.auditId,
    object: 'audit_record' as const,
    actor_user_id: record.actorUserId,
    user_id: record.userId,
    request_id: record.requestId,
    created_at: record.createdAt,
  };
  if (record.action === 'user.erased') return { ...base, action: record.action, erasure_id: record.erasureId };
  if (record.action === 'video.redriven') {
    const executionValues = (values: ExecutionAuditValues) => ({
      execution_status: values.executionStatus,
      redrive_count: values.redriveCount,
    });
    return {
      ...base,
      action: record.action,
      video_id: record.videoId,
      old_values: executionValues(record.oldValues),
      new_values: executionValues(record.newValues),
    };
  }
  return {
    ...base,
    action: record.action,
    old_values: limitsValues(record.oldValues),
    new_values: limitsValues(record.newValues),
  };
}

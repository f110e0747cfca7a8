import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { cursorFields, encodeCursor, invalidCursor } from '../repositories/cursor';
import { auditIndexKeys, auditKey, auditPrefix, monthAuditPartition, userPartition } from '../table-keys';
import { monthOf } from './calendar';
import type { UserLimits } from './limits';
import type { AuditRecordResource } from './schemas';

export type { AuditList, AuditQuery, AuditRecordResource } from './schemas';

/*
 * The audit trail: one append-only record per change of a user's data by someone else (today: limits). A record is
 * written in the same transaction as the change it describes, so there is never a change without its record nor a
 * record of a change that did not happen; nothing updates or deletes one.
 */

/** What was done. */
export type AuditAction = 'user_limits.updated';

/** One audit record. */
export interface AuditRecord {
  auditId: string;
  action: AuditAction;
  /** Who did it: the caller's user id (token `sub`). */
  actorUserId: string;
  /** Whose data changed. */
  userId: string;
  /** The effective values before and after the change. */
  oldValues: UserLimits;
  newValues: UserLimits;
  /** The API request that made the change (API Gateway's request id, the response's `x-request-id`). */
  requestId: string | null;
  /** Unix seconds. */
  createdAt: number;
}

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
  return {
    auditId: String(item.auditId),
    action: item.action as AuditAction,
    actorUserId: String(item.actorUserId),
    userId: String(item.userId),
    oldValues: item.oldValues as UserLimits,
    newValues: item.newValues as UserLimits,
    requestId: typeof item.requestId === 'string' ? item.requestId : null,
    createdAt: Number(item.createdAt),
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

/** Reads the audit trail. */
export interface AuditLog {
  list(selection: AuditSelection, options: { limit: number; after?: string }): Promise<AuditPage>;
}

type Cursor = Record<string, string>;

/** The DynamoDB audit trail: a user's records from their partition, a month's from gsi2. */
export class DynamoAuditLog implements AuditLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async list(selection: AuditSelection, options: { limit: number; after?: string }): Promise<AuditPage> {
    const byUser = 'userId' in selection;
    const partition = byUser ? userPartition(selection.userId) : monthAuditPartition(selection.month);
    const start = options.after === undefined ? undefined : decodeAuditCursor(options.after, byUser, partition);
    const { Items = [], LastEvaluatedKey } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        ...(byUser
          ? {
              KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
              ExpressionAttributeValues: { ':pk': partition, ':prefix': auditPrefix(selection.month) },
              // A record is read right after the change that wrote it (the CLI shows it at once).
              ConsistentRead: true,
            }
          : {
              IndexName: 'gsi2',
              KeyConditionExpression: 'gsi2pk = :pk',
              ExpressionAttributeValues: { ':pk': partition },
            }),
        ScanIndexForward: false,
        Limit: options.limit,
        ...(start === undefined ? {} : { ExclusiveStartKey: start }),
      }),
    );
    return {
      records: Items.map(toAuditRecord),
      nextCursor: LastEvaluatedKey === undefined ? null : encodeCursor(LastEvaluatedKey as Cursor),
    };
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
  return {
    id: record.auditId,
    object: 'audit_record',
    action: record.action,
    actor_user_id: record.actorUserId,
    user_id: record.userId,
    old_values: limitsValues(record.oldValues),
    new_values: limitsValues(record.newValues),
    request_id: record.requestId,
    created_at: record.createdAt,
  };
}

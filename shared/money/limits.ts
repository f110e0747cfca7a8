import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { auditItem } from '../audit/audit';
import { transactWrite } from '../aws/transact';
import { ConflictError } from '../errors';
import { newAuditId } from '../ids';
import { limitsKey } from '../table-keys';
import type { UserLimits } from './user-limits';

/** Who changes a user's limits, and when: what the change's audit record says besides the values. */
export interface LimitsChange {
  actorUserId: string;
  /** The API request that makes the change. */
  requestId: string | null;
  at: Date;
}

/** A stored change: the effective limits before and after, and the id of its audit record. */
export interface LimitsUpdate {
  before: UserLimits;
  after: UserLimits;
  auditId: string;
}

/** Per-user overrides and the effective limits (overrides over the defaults). */
export interface LimitsStore {
  effective(userId: string): Promise<UserLimits>;
  /**
   * Stores the given overrides (others unchanged) and, in the same transaction, the change's audit record; returns
   * the effective limits before and after.
   */
  update(userId: string, overrides: Partial<UserLimits>, change: LimitsChange): Promise<LimitsUpdate>;
}

/** Rounds of read-then-conditional-write before a change gives up under concurrent changes of the same user. */
const MAX_UPDATE_ATTEMPTS = 5;

/** The LIMITS item of a user in the single table. */
export class DynamoLimitsStore implements LimitsStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly defaults: UserLimits,
  ) {}

  async effective(userId: string): Promise<UserLimits> {
    return this.merge(await this.read(userId));
  }

  /**
   * The old values an audit record shows must be the ones the change replaced: the item is read, then written on
   * condition that its version is still the one read (a concurrent change makes this round start over), together
   * with the audit record.
   */
  async update(userId: string, overrides: Partial<UserLimits>, change: LimitsChange): Promise<LimitsUpdate> {
    const names = Object.keys(overrides).filter(
      (name) => overrides[name as keyof UserLimits] !== undefined,
    ) as (keyof UserLimits)[];
    const now = Math.floor(change.at.getTime() / 1000);
    for (let attempt = 1; attempt <= MAX_UPDATE_ATTEMPTS; attempt++) {
      const item = await this.read(userId);
      const version = typeof item?.version === 'number' ? item.version : undefined;
      const before = this.merge(item);
      const after = { ...before, ...Object.fromEntries(names.map((name) => [name, overrides[name]])) };
      const auditId = newAuditId(change.at.getTime());
      const outcome = await transactWrite(this.client, [
        {
          Update: {
            TableName: this.tableName,
            Key: limitsKey(userId),
            UpdateExpression: `SET entity = :entity, userId = :userId, updatedAt = :now, version = :next${names
              .map((name) => `, ${name} = :${name}`)
              .join('')}`,
            ConditionExpression: version === undefined ? 'attribute_not_exists(version)' : 'version = :version',
            ExpressionAttributeValues: {
              ':entity': 'limits',
              ':userId': userId,
              ':now': now,
              ':next': (version ?? 0) + 1,
              ...(version === undefined ? {} : { ':version': version }),
              ...Object.fromEntries(names.map((name) => [`:${name}`, overrides[name]])),
            },
          },
        },
        {
          Put: {
            TableName: this.tableName,
            Item: auditItem({
              auditId,
              action: 'user_limits.updated',
              actorUserId: change.actorUserId,
              userId,
              oldValues: before,
              newValues: after,
              requestId: change.requestId,
              createdAt: now,
            }),
            // Append-only: a record is never overwritten.
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ]);
      if (outcome.committed) return { before, after, auditId };
    }
    throw new ConflictError(`The limits of ${userId} are being changed concurrently; try again`, 'invalid_state');
  }

  private async read(userId: string): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: limitsKey(userId), ConsistentRead: true }),
    );
    return Item;
  }

  private merge(item: Record<string, unknown> | undefined): UserLimits {
    const number = (value: unknown, fallback: number) => (typeof value === 'number' ? value : fallback);
    return {
      budgetMicros: number(item?.budgetMicros, this.defaults.budgetMicros),
      maxActive: number(item?.maxActive, this.defaults.maxActive),
      maxPerDay: number(item?.maxPerDay, this.defaults.maxPerDay),
    };
  }
}

import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { limitsKey } from '../table-keys';

/** A user's quotas: monthly budget (micro-USD), videos not yet terminal, videos created per UTC day. */
export interface UserLimits {
  budgetMicros: number;
  maxActive: number;
  maxPerDay: number;
}

/** Deployment-wide defaults, from the environment (each optional; all functions that reserve or report read it). */
export const limitsEnvSchema = z.object({
  /** $100 a month. */
  DEFAULT_BUDGET_MICROS: z._default(z.coerce.number().check(z.int(), z.nonnegative()), 100_000_000),
  /** Generous enough for bursts of concurrent creates; finance lowers it per user. */
  DEFAULT_MAX_ACTIVE: z._default(z.coerce.number().check(z.int(), z.nonnegative()), 100),
  DEFAULT_MAX_PER_DAY: z._default(z.coerce.number().check(z.int(), z.nonnegative()), 1000),
});
export type LimitsEnv = z.input<typeof limitsEnvSchema>;

/** The defaults an env parsed with limitsEnvSchema describes. */
export function defaultLimitsFrom(env: z.output<typeof limitsEnvSchema>): UserLimits {
  return {
    budgetMicros: env.DEFAULT_BUDGET_MICROS,
    maxActive: env.DEFAULT_MAX_ACTIVE,
    maxPerDay: env.DEFAULT_MAX_PER_DAY,
  };
}

/** Per-user overrides and the effective limits (overrides over the defaults). */
export interface LimitsStore {
  effective(userId: string): Promise<UserLimits>;
  /** Stores the given overrides (others unchanged) and returns the effective limits after the write. */
  update(userId: string, overrides: Partial<UserLimits>, now: number): Promise<UserLimits>;
}

/** The LIMITS item of a user in the single table. */
export class DynamoLimitsStore implements LimitsStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly defaults: UserLimits,
  ) {}

  async effective(userId: string): Promise<UserLimits> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: limitsKey(userId), ConsistentRead: true }),
    );
    return this.merge(Item);
  }

  async update(userId: string, overrides: Partial<UserLimits>, now: number): Promise<UserLimits> {
    const names = Object.keys(overrides).filter(
      (name) => overrides[name as keyof UserLimits] !== undefined,
    ) as (keyof UserLimits)[];
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: limitsKey(userId),
        UpdateExpression: `SET entity = :entity, userId = :userId, updatedAt = :now${names
          .map((name) => `, ${name} = :${name}`)
          .join('')}`,
        ExpressionAttributeValues: {
          ':entity': 'limits',
          ':userId': userId,
          ':now': now,
          ...Object.fromEntries(names.map((name) => [`:${name}`, overrides[name]])),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return this.merge(Attributes);
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

import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from '../aws/condition-failure';
import { webhookDeliveryRateKey } from '../table-keys';
import { TABLE_TTL_ATTRIBUTE } from '../table-ttl';

/*
 * Each user's webhook deliveries are rated: the dispatcher starts at most `perMinute` of them in a calendar minute
 * (every endpoint an event goes to counts), so what one user's events cost in executions and POSTs is bounded
 * whatever they do. Deliveries over it wait in the outbox for the next minute: delayed, never dropped.
 */

/** The length of a rate window. */
export const DELIVERY_RATE_WINDOW_SECONDS = 60;

/** What {@link DeliveryRate.take} allowed. */
export interface DeliveryAllowance {
  /** How many of the wanted deliveries may start now (0 to wanted). */
  granted: number;
  /** Unix seconds when the next window opens: when the ones not granted may go. */
  nextWindowAt: number;
}

/** A user's deliveries per minute. */
export interface DeliveryRate {
  /** Takes up to `wanted` deliveries of the user's allowance for the minute of `now` (Unix seconds). */
  take(userId: string, wanted: number, now: number): Promise<DeliveryAllowance>;
}

/** The start of the window `now` falls in. */
export function deliveryWindowOf(now: number): number {
  return now - (now % DELIVERY_RATE_WINDOW_SECONDS);
}

/** One item per user (`WEBHOOKRATE`): the current window and how many deliveries it started. */
export class DynamoDeliveryRate implements DeliveryRate {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly perMinute: number,
  ) {}

  async take(userId: string, wanted: number, now: number): Promise<DeliveryAllowance> {
    const window = deliveryWindowOf(now);
    const nextWindowAt = window + DELIVERY_RATE_WINDOW_SECONDS;
    const key = webhookDeliveryRateKey(userId);
    // Optimistic: the write is conditioned on what was read, so two dispatchers at once cannot both spend the rest.
    for (let attempt = 1; attempt <= 5; attempt++) {
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
      );
      const seen = Item as { window?: number; used?: number } | undefined;
      const used = seen?.window === window ? (seen.used ?? 0) : 0;
      const granted = Math.max(0, Math.min(wanted, this.perMinute - used));
      if (granted === 0) return { granted, nextWindowAt };
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              ...key,
              entity: 'webhook_delivery_rate',
              window,
              used: used + granted,
              [TABLE_TTL_ATTRIBUTE]: nextWindowAt + DELIVERY_RATE_WINDOW_SECONDS,
            },
            ...(seen === undefined
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : {
                  ConditionExpression: '#window = :window AND used = :used',
                  ExpressionAttributeNames: { '#window': 'window' },
                  ExpressionAttributeValues: { ':window': seen.window ?? 0, ':used': seen.used ?? 0 },
                }),
          }),
        );
        return { granted, nextWindowAt };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    // Still contended: start none now; the next run asks again.
    return { granted: 0, nextWindowAt: now + 1 };
  }
}

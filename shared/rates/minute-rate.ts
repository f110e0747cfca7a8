import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from '../aws/condition-failure';
import { userMinuteRateKey } from '../table-keys';
import { minuteCounterPurgeAt, TABLE_TTL_ATTRIBUTE } from '../table-ttl';

/*
 * Per-user rates per UTC minute: a count per user, action and minute, raised with a conditional ADD as the daily
 * count of creates is (money/reserve.ts), so concurrent callers cannot pass the limit together. A fixed window:
 * across a minute's boundary a user can get up to twice the limit, which still bounds what a loop can spend.
 * Used by `POST /v1/uploads` (upload URLs) and the webhook dispatcher (deliveries started).
 */

/** What is rated per user and minute. */
export type RatedAction = 'uploads' | 'webhook_deliveries';

/** Counts a user's actions per UTC minute. */
export interface MinuteRate {
  /**
   * Takes up to `wanted` of the user's `limit` for `now`'s minute and answers how many it got (0 to `wanted`; 0 when
   * the minute is spent, counting nothing).
   */
  take(userId: string, action: RatedAction, wanted: number, limit: number, now: Date): Promise<number>;
}

/** The UTC minute of `now`, as the count's key names it (`YYYY-MM-DDTHH:MM`). */
export function minuteOf(now: Date): string {
  return now.toISOString().slice(0, 16);
}

/** Whole seconds until the next UTC minute begins (1 to 60): when a refused request may try again. */
export function secondsToNextMinute(now: Date): number {
  return 60 - now.getUTCSeconds();
}

/** Unix seconds of the start of the next UTC minute: when what a spent minute refused may go. */
export function nextMinuteAt(now: Date): number {
  return Math.floor(now.getTime() / 60_000) * 60 + 60;
}

/** The counts in the main table (`USER#{userId}` / `RATE#{action}#{minute}`), removed by its TTL a day later. */
export class DynamoMinuteRate implements MinuteRate {
  constructor(
    private readonly client: Pick<DynamoDBDocumentClient, 'send'>,
    private readonly tableName: string,
  ) {}

  async take(userId: string, action: RatedAction, wanted: number, limit: number, now: Date): Promise<number> {
    const minute = minuteOf(now);
    const key = userMinuteRateKey(userId, action, minute);
    let asked = Math.min(wanted, limit);
    // All of it if the minute has room; else once more for what is left (another caller may take it first).
    for (let attempt = 0; attempt < 3 && asked > 0; attempt++) {
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression: 'SET entity = :entity, userId = :userId, #purgeAt = :purgeAt ADD #count :asked',
            ConditionExpression: 'attribute_not_exists(#count) OR #count <= :most',
            ExpressionAttributeNames: { '#purgeAt': TABLE_TTL_ATTRIBUTE, '#count': 'count' },
            ExpressionAttributeValues: {
              ':entity': 'minute_rate',
              ':userId': userId,
              ':purgeAt': minuteCounterPurgeAt(minute),
              ':asked': asked,
              ':most': limit - asked,
            },
          }),
        );
        return asked;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
      );
      asked = Math.min(asked, limit - Number(Item?.count ?? 0));
    }
    return 0;
  }
}

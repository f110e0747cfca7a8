import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from '../aws/condition-failure';
import { uploadMinuteKey } from '../table-keys';
import { minuteCounterPurgeAt, TABLE_TTL_ATTRIBUTE } from '../table-ttl';

/*
 * The per-user rate of `POST /v1/uploads`: a count per user and UTC minute, raised with a conditional ADD as the
 * daily count of creates is (money/reserve.ts), so concurrent requests cannot pass the limit together. A fixed
 * window: across a minute's boundary a client can get up to twice the limit, which still stops a loop from signing
 * URLs without end.
 */

/** Counts a user's upload URLs per UTC minute. */
export interface UploadRate {
  /** Counts one upload URL of `userId` in `now`'s minute; false, counting nothing, when the minute has `limit` already. */
  take(userId: string, now: Date, limit: number): Promise<boolean>;
}

/** The UTC minute of `now`, as the count's key names it (`YYYY-MM-DDTHH:MM`). */
export function minuteOf(now: Date): string {
  return now.toISOString().slice(0, 16);
}

/** Whole seconds until the next UTC minute begins (1 to 60): when a refused request may try again. */
export function secondsToNextMinute(now: Date): number {
  return 60 - now.getUTCSeconds();
}

/** The counts in the main table (`USER#{userId}` / `UPLOADS#{minute}`), removed by its TTL a day later. */
export class DynamoUploadRate implements UploadRate {
  constructor(
    private readonly client: Pick<DynamoDBDocumentClient, 'send'>,
    private readonly tableName: string,
  ) {}

  async take(userId: string, now: Date, limit: number): Promise<boolean> {
    const minute = minuteOf(now);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: uploadMinuteKey(userId, minute),
          UpdateExpression: 'SET entity = :entity, userId = :userId, #purgeAt = :purgeAt ADD uploadCount :one',
          ConditionExpression: 'attribute_not_exists(uploadCount) OR uploadCount < :max',
          ExpressionAttributeNames: { '#purgeAt': TABLE_TTL_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':entity': 'upload_rate',
            ':userId': userId,
            ':purgeAt': minuteCounterPurgeAt(minute),
            ':one': 1,
            ':max': limit,
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

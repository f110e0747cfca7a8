import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type TransactItem, type TransactOptions, transactWrite } from '../aws/transact';
import { providerCostKey } from '../table-keys';
import { fromItem } from '../video/item';
import { providerCostMicrosOf, reservationOf, secondsOf } from './decisions';
import { readVideoItem, usageUpdate, type VideoItem } from './transaction-items';

/*
 * A video the provider finished (and billed) after reelflow gave up on it is recorded once as a provider cost (a
 * `PROVIDERCOST#` item, summed in the month's `providerCostMicros`) and never charged to the user: finance sees
 * what the provider took, the user pays only for videos they received. The item's key makes the record happen once
 * whichever path finds the job first (a late completion, a release while storing, the reconciler).
 */

/** Records what the provider billed for a video its user is not charged for. */
export interface ProviderCostRecorder {
  /**
   * Records, once, that the provider billed a video the user is not charged for (a job that finished after
   * reelflow gave up on it). For a reconciliation that finds such jobs; a late completion records it itself.
   * @param providerVideoId the job billed, when the video does not hold it (a job it never saved)
   * @returns true when this call recorded it.
   */
  recordProviderCostOf(videoId: string, now: number, providerVideoId?: string): Promise<boolean>;
}

/** The DynamoDB provider cost entries. */
export class DynamoProviderCosts implements ProviderCostRecorder {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: TransactOptions = {},
  ) {}

  async recordProviderCostOf(videoId: string, now: number, providerVideoId?: string): Promise<boolean> {
    const item = await readVideoItem(this.client, this.tableName, videoId);
    if (item === undefined || fromItem(item).status === 'completed') return false;
    return this.record(
      providerVideoId === undefined || item.providerVideoId !== undefined ? item : { ...item, providerVideoId },
      now,
    );
  }

  /** Records the provider cost of a video item as read; true when this call recorded it. */
  async record(item: VideoItem, now: number): Promise<boolean> {
    const video = fromItem(item);
    const reservation = reservationOf(video, item);
    const result = await transactWrite(
      this.client,
      [
        providerCostPut(this.tableName, item, now),
        usageUpdate(this.tableName, video.userId, reservation.month, {
          providerCostMicros: providerCostMicrosOf(video),
        }),
      ],
      this.options,
    );
    return result.committed;
  }
}

/** The provider cost entry of a video, written only if it does not exist yet. */
export function providerCostPut(tableName: string, item: VideoItem, now: number): TransactItem {
  const video = fromItem(item);
  const reservation = reservationOf(video, item);
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...providerCostKey(video.userId, reservation.month, video.videoId),
        entity: 'providerCost',
        userId: video.userId,
        month: reservation.month,
        videoId: video.videoId,
        providerVideoId: video.providerVideoId,
        model: video.model,
        size: video.size,
        seconds: secondsOf(video),
        unitPriceMicros: reservation.unitPriceMicros,
        priceVersion: video.priceVersion,
        providerCostMicros: providerCostMicrosOf(video),
        chargedToUserMicros: 0,
        videoStatus: video.status,
        recordedAt: now,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

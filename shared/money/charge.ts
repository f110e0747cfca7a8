import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CompletionUpdate } from '../repositories/video-repository';
import { ledgerKey, videoKey } from '../table-keys';
import type { VideoRecord } from '../video';
import { videoAwsCost } from './aws-cost';
import {
  chargeAmountMicros,
  chargeDecision,
  chargedVideo,
  chargeUsage,
  reservationOf,
  type SettlementResult,
  secondsOf,
} from './decisions';
import { DynamoProviderCosts } from './provider-cost';
import { type TransactItem, transactWrite } from './transact';
import {
  activeRelease,
  type BillingOptions,
  deadlineWatchDelete,
  settleVideo,
  updateItem,
  usageUpdate,
  type VideoItem,
} from './transaction-items';

/*
 * Charge, at completion: the video becomes `completed` with `chargedMicros`, one immutable ledger entry is written
 * and the month's aggregates move (charged += amount, reserved -= estimate, active -= 1), in ONE transaction
 * conditioned on the video not being settled yet: a retried or redriven step finds it settled and writes nothing,
 * so a completion never charges twice.
 */

/** Charges a completed video exactly once (record-completion). */
export interface Charger {
  /**
   * Completes a video that is not yet terminal and charges it, in one transaction. `applied: false` when it was
   * already completed (nothing written) or had been given up on (then its provider cost is recorded once).
   */
  charge(videoId: string, update: CompletionUpdate): Promise<SettlementResult>;
}

const NOT_TERMINAL = 'NOT (#status IN (:completed, :failed, :cancelled))';
const TERMINAL_VALUES = { ':completed': 'completed', ':failed': 'failed', ':cancelled': 'cancelled' };

/** The DynamoDB charges. */
export class DynamoCharger implements Charger {
  private readonly providerCosts: DynamoProviderCosts;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: BillingOptions = {},
  ) {
    this.providerCosts = new DynamoProviderCosts(client, tableName, options);
  }

  charge(videoId: string, update: CompletionUpdate): Promise<SettlementResult> {
    return settleVideo(this.client, this.tableName, videoId, 'charge', (item, video) =>
      this.tryCharge(item, video, update),
    );
  }

  /** Decides on the video as read and writes; undefined when the video changed in between. */
  private async tryCharge(
    item: VideoItem,
    video: VideoRecord,
    update: CompletionUpdate,
  ): Promise<SettlementResult | undefined> {
    const videoId = video.videoId;
    const decision = chargeDecision(video, item.settledAt);
    if (decision === 'already_charged') return { applied: false, video };
    if (decision === 'record_provider_cost') {
      const providerCostRecorded = await this.providerCosts.record(item, update.completedAt);
      return { applied: false, video, providerCostRecorded };
    }

    const reservation = reservationOf(video, item);
    const amount = chargeAmountMicros(video);
    const awsCost = videoAwsCost(item, update.content, this.options.awsPrices);
    const now = update.completedAt;
    const items: TransactItem[] = [
      updateItem(this.tableName, videoKey(videoId), {
        UpdateExpression:
          'SET #status = :completed, progress = :hundred, completedAt = :now, updatedAt = :now, content = :content, ' +
          'chargedMicros = :amount, settledAt = :now, settlement = :charged, awsCostMicros = :aws REMOVE #error',
        ConditionExpression: `attribute_exists(pk) AND ${NOT_TERMINAL} AND attribute_not_exists(settledAt)`,
        ExpressionAttributeNames: { '#status': 'status', '#error': 'error' },
        ExpressionAttributeValues: {
          ...TERMINAL_VALUES,
          ':hundred': 100,
          ':now': now,
          ':content': update.content,
          ':amount': amount,
          ':charged': 'charged',
          ':aws': awsCost.micros,
        },
      }),
      {
        Put: {
          TableName: this.tableName,
          Item: {
            ...ledgerKey(video.userId, reservation.month, videoId),
            entity: 'ledger',
            userId: video.userId,
            month: reservation.month,
            videoId,
            model: video.model,
            size: video.size,
            seconds: secondsOf(video),
            unitPriceMicros: reservation.unitPriceMicros,
            priceVersion: video.priceVersion,
            amountMicros: amount,
            awsCostMicros: awsCost.micros,
            awsCost,
            chargedAt: now,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      usageUpdate(this.tableName, video.userId, reservation.month, chargeUsage(video, reservation, awsCost.micros)),
      ...(reservation.held ? [activeRelease(this.tableName, video.userId)] : []),
      deadlineWatchDelete(this.tableName, video),
    ];
    const outcome = await transactWrite(this.client, items, this.options);
    if (outcome.committed) return { applied: true, video: chargedVideo(video, update) };
    const [videoChanged, ledgerExists] = outcome.reasons.map((code) => code === 'ConditionalCheckFailed');
    if (ledgerExists && !videoChanged)
      throw new Error(`Ledger entry for ${videoId} exists but the video is not settled`);
    return undefined;
  }
}

import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type TransactItem, transactWrite } from '../aws/transact';
import { ledgerKey, videoKey } from '../table-keys';
import type { CompletionUpdate } from '../video/store';
import type { VideoRecord } from '../video/video';
import { webhookOutboxPut } from '../webhooks/events';
import { type AwsCost, videoAwsCost } from './aws-cost';
import {
  cancelledChargedVideo,
  cancelledChargeUsage,
  chargeAmountMicros,
  chargeDecision,
  chargedVideo,
  chargeUsage,
  type Reservation,
  reservationOf,
  type SettlementResult,
  secondsOf,
} from './decisions';
import { DynamoProviderCosts } from './provider-cost';
import {
  activeRelease,
  type BillingOptions,
  deadlineWatchDelete,
  settleVideo,
  updateItem,
  usageUpdate,
  type VideoItem,
} from './transaction-items';

// Charges (a completion, a held cancel the provider billed), what each writes and why it happens once:
// docs/ARCHITECTURE.md, "Settling a video: charge, release, held cancel".

/** Charges a completed video exactly once (record-completion). */
export interface Charger {
  /**
   * Completes a video that is not yet terminal and charges it, in one transaction. `applied: false` when it was
   * already completed (nothing written) or had been given up on (then its provider cost is recorded once). A held
   * cancel (cancelled after the provider accepted its job, or while its create was in flight) is charged its price
   * and stays `cancelled`.
   */
  charge(videoId: string, update: CompletionUpdate): Promise<SettlementResult>;
}

/** Charges a held cancel whose job the provider finished (the reconciler's cancel settlement). */
export interface CancelledCharger {
  /**
   * Charges a held cancel its price once, in one transaction: the video stays `cancelled`, a ledger entry marked
   * `cancelled_charge` is written and the month's reservation becomes a charge. `applied: false` (nothing written)
   * when the video is not a held cancel any more (already settled, or not one); a held cancel released meanwhile
   * (given up on) has the job's cost recorded for finance instead, once.
   */
  chargeCancelled(videoId: string, now: number): Promise<SettlementResult>;
}

/** What a ledger entry is for: a delivered video, or a cancelled one whose job the provider finished and billed. */
export type LedgerEntryKind = 'charge' | 'cancelled_charge';

const NOT_TERMINAL = 'NOT (#status IN (:completed, :failed, :cancelled))';
const TERMINAL_VALUES = { ':completed': 'completed', ':failed': 'failed', ':cancelled': 'cancelled' };

/** The DynamoDB charges. */
export class DynamoCharger implements Charger, CancelledCharger {
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

  chargeCancelled(videoId: string, now: number): Promise<SettlementResult> {
    return settleVideo(this.client, this.tableName, videoId, 'charge', async (item, video) => {
      const decision = chargeDecision(video, item);
      if (decision === 'charge_cancelled') return this.tryChargeCancelled(item, video, now);
      // A held cancel released meanwhile (given up on): the provider billed a job the user is not charged for.
      if (decision === 'record_provider_cost' && item.cancelHeldAt !== undefined) {
        return { applied: false, video, providerCostRecorded: await this.providerCosts.record(item, now) };
      }
      return { applied: false, video };
    });
  }

  /** Decides on the video as read and writes; undefined when the video changed in between. */
  private async tryCharge(
    item: VideoItem,
    video: VideoRecord,
    update: CompletionUpdate,
  ): Promise<SettlementResult | undefined> {
    const videoId = video.videoId;
    const decision = chargeDecision(video, item);
    if (decision === 'already_charged') return { applied: false, video };
    // The pipeline raced the cancel and stored the video: the provider billed the job, the user pays its price.
    if (decision === 'charge_cancelled') return this.tryChargeCancelled(item, video, update.completedAt);
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
      this.ledgerPut(video, reservation, awsCost, now, 'charge'),
      usageUpdate(this.tableName, video.userId, reservation.month, chargeUsage(video, reservation, awsCost.micros)),
      ...(reservation.held ? [activeRelease(this.tableName, video.userId)] : []),
      deadlineWatchDelete(this.tableName, video),
      // The client apps' `video.completed` event, written with the change it tells of.
      webhookOutboxPut(this.tableName, chargedVideo(video, update), now),
    ];
    const outcome = await transactWrite(this.client, items, this.options);
    if (outcome.committed) return { applied: true, video: chargedVideo(video, update) };
    const [videoChanged, ledgerExists] = outcome.reasons.map((code) => code === 'ConditionalCheckFailed');
    if (ledgerExists && !videoChanged)
      throw new Error(`Ledger entry for ${videoId} exists but the video is not settled`);
    return undefined;
  }

  /**
   * Charges a held cancel its price: the video keeps `cancelled` (and no content), the ledger entry is marked as a
   * cancelled video's charge, the reservation becomes the charge. Its `max_active` slot was freed at cancel.
   */
  private async tryChargeCancelled(
    item: VideoItem,
    video: VideoRecord,
    now: number,
  ): Promise<SettlementResult | undefined> {
    const reservation = reservationOf(video, item);
    const awsCost = videoAwsCost(item, null, this.options.awsPrices);
    const after = cancelledChargedVideo(video, now);
    const items: TransactItem[] = [
      updateItem(this.tableName, videoKey(video.videoId), {
        UpdateExpression:
          'SET chargedMicros = :amount, updatedAt = :now, settledAt = :now, settlement = :charged, awsCostMicros = :aws',
        ConditionExpression:
          'attribute_exists(pk) AND #status = :cancelled AND attribute_exists(cancelHeldAt) AND attribute_not_exists(settledAt)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':cancelled': 'cancelled',
          ':amount': after.chargedMicros,
          ':now': now,
          ':charged': 'charged',
          ':aws': awsCost.micros,
        },
      }),
      this.ledgerPut(video, reservation, awsCost, now, 'cancelled_charge'),
      usageUpdate(
        this.tableName,
        video.userId,
        reservation.month,
        cancelledChargeUsage(video, reservation, awsCost.micros),
      ),
      deadlineWatchDelete(this.tableName, video),
    ];
    const outcome = await transactWrite(this.client, items, this.options);
    if (outcome.committed) return { applied: true, video: after };
    const [videoChanged, ledgerExists] = outcome.reasons.map((code) => code === 'ConditionalCheckFailed');
    if (ledgerExists && !videoChanged) {
      throw new Error(`Ledger entry for ${video.videoId} exists but the video is not settled`);
    }
    return undefined;
  }

  /** The video's one ledger entry, written only if it does not exist yet. */
  private ledgerPut(
    video: VideoRecord,
    reservation: Reservation,
    awsCost: AwsCost,
    now: number,
    kind: LedgerEntryKind,
  ): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: {
          ...ledgerKey(video.userId, reservation.month, video.videoId),
          entity: 'ledger',
          kind,
          userId: video.userId,
          month: reservation.month,
          videoId: video.videoId,
          model: video.model,
          size: video.size,
          seconds: secondsOf(video),
          unitPriceMicros: reservation.unitPriceMicros,
          priceVersion: video.priceVersion,
          amountMicros: chargeAmountMicros(video),
          awsCostMicros: awsCost.micros,
          awsCost,
          chargedAt: now,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }
}

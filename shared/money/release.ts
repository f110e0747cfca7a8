import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { videoKey } from '../table-keys';
import type { VideoRecord } from '../video';
import { videoAwsCost } from './aws-cost';
import { type ReleaseOutcome, releasePlan, releaseUsage, reservationOf, type SettlementResult } from './decisions';
import { providerCostPut } from './provider-cost';
import { reconcileItem, reconcileWorkItemFor } from './reconciliation';
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
 * Release, at failure or cancellation: the video becomes terminal with `chargedMicros` 0 and its reservation is
 * given back, in ONE transaction conditioned on the video being as read and not settled, so a retried step never
 * releases twice. A release that gives up on a provider job which may still finish also writes a reconciliation
 * work item (reconciliation.ts) in its transaction: the reconciler records the job's cost if the provider completes
 * it. A release of a video the provider already finished (`storing`) records that cost itself.
 */

/**
 * Ends a video without charging it and gives its reservation back (record-failure, cancel, a pipeline that could
 * not start). Idempotent: a video already settled is returned with `applied: false` and nothing is written.
 */
export interface ReservationReleaser {
  /**
   * Moves a video that is not yet terminal to `outcome.status` with `charged_micros` 0 and releases its
   * reservation, in one transaction. A video some other path already made `failed`/`cancelled` without releasing
   * keeps its status and only has its reservation released (`applied: true`). A `completed` or already released
   * video is left alone (`applied: false`, `video` as found).
   */
  release(videoId: string, outcome: ReleaseOutcome): Promise<SettlementResult>;
}

/** The DynamoDB releases. */
export class DynamoReleaser implements ReservationReleaser {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: BillingOptions = {},
  ) {}

  release(videoId: string, outcome: ReleaseOutcome): Promise<SettlementResult> {
    return settleVideo(this.client, this.tableName, videoId, 'release', (item, video) =>
      this.tryRelease(item, video, outcome),
    );
  }

  /** Decides on the video as read and writes; undefined when the video changed in between. */
  private async tryRelease(
    item: VideoItem,
    video: VideoRecord,
    outcome: ReleaseOutcome,
  ): Promise<SettlementResult | undefined> {
    const videoId = video.videoId;
    const plan = releasePlan(video, item.settledAt, outcome);
    if (plan === undefined) return { applied: false, video };

    const { after, alreadyTerminal, providerBilled } = plan;
    const reservation = reservationOf(video, item);
    const awsCostMicros = videoAwsCost(item, null, this.options.awsPrices).micros;
    const reconcile = providerBilled ? undefined : reconcileWorkItemFor(after, outcome.now);
    const newError = !alreadyTerminal && outcome.status === 'failed' ? outcome.error : undefined;
    const setStatus = alreadyTerminal
      ? 'chargedMicros = :zero'
      : `#status = :target, chargedMicros = :zero, updatedAt = :now${newError === undefined ? '' : ', #error = :error'}`;
    const items: TransactItem[] = [
      updateItem(this.tableName, videoKey(videoId), {
        UpdateExpression: `SET ${setStatus}, settledAt = :now, settlement = :released, awsCostMicros = :aws`,
        ConditionExpression: 'attribute_exists(pk) AND #status = :found AND attribute_not_exists(settledAt)',
        ExpressionAttributeNames: { '#status': 'status', ...(newError === undefined ? {} : { '#error': 'error' }) },
        ExpressionAttributeValues: {
          ':found': video.status,
          ':zero': 0,
          ':now': outcome.now,
          ':released': 'released',
          ':aws': awsCostMicros,
          ...(alreadyTerminal ? {} : { ':target': outcome.status }),
          ...(newError === undefined ? {} : { ':error': newError }),
        },
      }),
      usageUpdate(
        this.tableName,
        video.userId,
        reservation.month,
        releaseUsage(video, reservation, awsCostMicros, providerBilled),
      ),
      ...(reservation.held ? [activeRelease(this.tableName, video.userId)] : []),
      deadlineWatchDelete(this.tableName, video),
      ...(providerBilled ? [providerCostPut(this.tableName, item, outcome.now)] : []),
      ...(reconcile === undefined ? [] : [{ Put: { TableName: this.tableName, Item: reconcileItem(reconcile) } }]),
    ];
    const result = await transactWrite(this.client, items, this.options);
    if (result.committed) return { applied: true, video: after, providerCostRecorded: providerBilled };
    // Only the video's condition may fail and be retried; a failed provider cost put means one exists already for a
    // video that is not settled, which no retry can mend.
    if (result.reasons[0] !== 'ConditionalCheckFailed') {
      throw new Error(`Provider cost for ${videoId} exists but the video is not settled`);
    }
    return undefined;
  }
}

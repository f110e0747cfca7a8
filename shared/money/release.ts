import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type TransactItem, transactWrite } from '../aws/transact';
import { videoKey, workItemKey } from '../table-keys';
import { fromItem } from '../video/item';
import type { VideoRecord } from '../video/video';
import { webhookOutboxPut } from '../webhooks/events';
import { videoAwsCost } from './aws-cost';
import {
  cancelDecision,
  hasProviderJob,
  heldCancelVideo,
  isHeldCancel,
  type ReleaseOutcome,
  releasePlan,
  releaseUsage,
  reservationOf,
  type SettlementResult,
} from './decisions';
import { providerCostPut } from './provider-cost';
import { cancelSettlementWorkItem, reconcileItem, reconcileWorkItemFor } from './reconciliation';
import {
  activeRelease,
  type BillingOptions,
  deadlineWatchDelete,
  readVideoItem,
  settleVideo,
  updateItem,
  usageUpdate,
  type VideoItem,
} from './transaction-items';

// Releases and cancels (held or not), what each writes and why its money moves once: docs/ARCHITECTURE.md,
// "Settling a video: charge, release, held cancel".

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

/** What a cancel did: a settlement result, and whether the money now waits for the provider's outcome. */
export interface CancelResult extends SettlementResult {
  /** The provider had accepted the job, or its create was in flight: the reservation is held until the outcome. */
  held: boolean;
  /**
   * The status the cancel found (and, when applied, moved from): a video found `storing` may still have a store task
   * writing its objects.
   */
  previousStatus?: VideoRecord['status'];
}

/** Cancels a video (cancel-video). */
export interface VideoCanceller {
  /**
   * Makes a video that is not yet terminal `cancelled`, in one transaction. While no provider job can exist:
   * released at once (charged 0). Once the provider accepted a job, or while a create is in flight (attempted, not
   * resolved): held (`charged_micros` null, active slot freed, reservation kept, a `cancel_settlement` work item
   * written). A video already terminal is left alone (`applied: false`).
   */
  cancel(videoId: string, now: number): Promise<CancelResult>;
}

/** Gives a held cancel without a job id the job its in-flight create made. */
export interface HeldCancelJobRecorder {
  /**
   * Records `providerVideoId` on a held cancel, not settled, that has no job id yet (the create's late answer, or a
   * webhook of the job it claimed), so its settlement follows that job. False (nothing written) for any other video.
   */
  recordHeldCancelJob(videoId: string, providerVideoId: string, now: number): Promise<boolean>;
}

/** The DynamoDB releases. */
export class DynamoReleaser implements ReservationReleaser, VideoCanceller, HeldCancelJobRecorder {
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

  async cancel(videoId: string, now: number): Promise<CancelResult> {
    let held = false;
    let previousStatus: VideoRecord['status'] | undefined;
    const result = await settleVideo(this.client, this.tableName, videoId, 'release', (item, video) => {
      previousStatus = video.status;
      const decision = cancelDecision(video);
      held = decision === 'hold';
      if (decision === 'terminal') return Promise.resolve({ applied: false, video });
      if (decision === 'hold') return this.tryHold(item, video, now);
      return this.tryRelease(item, video, { status: 'cancelled', now }, { providerJobAbsent: true });
    });
    return { ...result, held: held && result.applied, ...(previousStatus === undefined ? {} : { previousStatus }) };
  }

  async recordHeldCancelJob(videoId: string, providerVideoId: string, now: number): Promise<boolean> {
    const recordJob = updateItem(this.tableName, videoKey(videoId), {
      UpdateExpression: 'SET providerVideoId = :job, updatedAt = :now',
      ConditionExpression:
        'attribute_exists(pk) AND #status = :cancelled AND attribute_exists(cancelHeldAt) AND ' +
        'attribute_not_exists(settledAt) AND attribute_not_exists(providerVideoId)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':cancelled': 'cancelled', ':job': providerVideoId, ':now': now },
    });
    // The hold's settlement item waits for the create to have surely ended (ORPHAN_SEARCH_DELAY_SECONDS); with the
    // job known it is due now, moved in the same transaction. Once the reconciler has visited it (due, or moved
    // later) it is left where it is: that visit reads the job id from the video.
    const item = await readVideoItem(this.client, this.tableName, videoId);
    if (item?.cancelHeldAt === undefined) return false;
    const waiting = cancelSettlementWorkItem({ ...fromItem(item), providerVideoId: null }, item.cancelHeldAt);
    if (waiting.dueAt > now) {
      const moved = await transactWrite(
        this.client,
        [
          recordJob,
          {
            Delete: {
              TableName: this.tableName,
              Key: workItemKey(waiting),
              ConditionExpression: 'attribute_exists(pk)',
            },
          },
          { Put: { TableName: this.tableName, Item: reconcileItem({ ...waiting, providerVideoId, dueAt: now }) } },
        ],
        this.options,
      );
      if (moved.committed) return true;
    }
    return (await transactWrite(this.client, [recordJob], this.options)).committed;
  }

  /**
   * The cancel of a video whose job the provider accepted, or whose create is in flight: `cancelled`,
   * `chargedMicros` null, one active video fewer, and the work item that settles it later; the reservation and the
   * deadline watch stay (the watch is the backstop that releases it if the reconciler never settles it).
   */
  private async tryHold(item: VideoItem, video: VideoRecord, now: number): Promise<CancelResult | undefined> {
    const reservation = reservationOf(video, item);
    const after = heldCancelVideo(video, now);
    const items: TransactItem[] = [
      updateItem(this.tableName, videoKey(video.videoId), {
        UpdateExpression: 'SET #status = :cancelled, updatedAt = :now, cancelHeldAt = :now REMOVE chargedMicros',
        // Without a job id: none saved meanwhile (then the cancel decides again, with it).
        ConditionExpression: `attribute_exists(pk) AND #status = :found AND ${
          hasProviderJob(video) ? 'providerVideoId = :job' : 'attribute_not_exists(providerVideoId)'
        } AND attribute_not_exists(settledAt)`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':cancelled': 'cancelled',
          ':now': now,
          ':found': video.status,
          ...(hasProviderJob(video) ? { ':job': video.providerVideoId } : {}),
        },
      }),
      ...(reservation.held ? [activeRelease(this.tableName, video.userId)] : []),
      { Put: { TableName: this.tableName, Item: reconcileItem(cancelSettlementWorkItem(after, now)) } },
      // `video.cancelled` with charged_micros null: the charge is not known yet.
      webhookOutboxPut(this.tableName, after, now),
    ];
    const result = await transactWrite(this.client, items, this.options);
    if (result.committed) return { applied: true, video: after, held: true };
    return undefined;
  }

  /** Decides on the video as read and writes; undefined when the video changed in between. */
  private async tryRelease(
    item: VideoItem,
    video: VideoRecord,
    outcome: ReleaseOutcome,
    options: { providerJobAbsent?: boolean } = {},
  ): Promise<CancelResult | undefined> {
    const videoId = video.videoId;
    const plan = releasePlan(video, item.settledAt, outcome, item.cancelHeldAt);
    if (plan === undefined) {
      return { applied: false, video, held: false, awaitingProvider: isHeldCancel(video, item) };
    }

    const { after, alreadyTerminal, providerBilled, heldCancel } = plan;
    const reservation = reservationOf(video, item);
    const awsCostMicros = videoAwsCost(item, null, this.options.awsPrices).micros;
    // A held cancel is settled by its own work item: it needs no other.
    const reconcile = providerBilled || heldCancel ? undefined : reconcileWorkItemFor(after, outcome.now);
    const newError = !alreadyTerminal && outcome.status === 'failed' ? outcome.error : undefined;
    // A cancel while no job can exist must not release one whose job id was saved, or whose create was attempted,
    // meanwhile (the attempt is recorded before the provider is called).
    const jobAbsent =
      options.providerJobAbsent === true
        ? ` AND attribute_not_exists(providerVideoId) AND ${
            video.providerCreateAttempts > 0
              ? 'providerCreateAttempts = :attempts'
              : '(attribute_not_exists(providerCreateAttempts) OR providerCreateAttempts = :attempts)'
          }`
        : '';
    const setStatus = alreadyTerminal
      ? 'chargedMicros = :zero'
      : `#status = :target, chargedMicros = :zero, updatedAt = :now${newError === undefined ? '' : ', #error = :error'}`;
    const items: TransactItem[] = [
      updateItem(this.tableName, videoKey(videoId), {
        UpdateExpression: `SET ${setStatus}, settledAt = :now, settlement = :released, awsCostMicros = :aws`,
        ConditionExpression: `attribute_exists(pk) AND #status = :found AND attribute_not_exists(settledAt)${jobAbsent}`,
        ExpressionAttributeNames: { '#status': 'status', ...(newError === undefined ? {} : { '#error': 'error' }) },
        ExpressionAttributeValues: {
          ':found': video.status,
          ':zero': 0,
          ':now': outcome.now,
          ':released': 'released',
          ':aws': awsCostMicros,
          ...(alreadyTerminal ? {} : { ':target': outcome.status }),
          ...(newError === undefined ? {} : { ':error': newError }),
          ...(options.providerJobAbsent === true ? { ':attempts': video.providerCreateAttempts } : {}),
        },
      }),
      usageUpdate(
        this.tableName,
        video.userId,
        reservation.month,
        releaseUsage(video, reservation, awsCostMicros, providerBilled),
      ),
      // A held cancel freed its active slot at cancel.
      ...(reservation.held && !heldCancel ? [activeRelease(this.tableName, video.userId)] : []),
      deadlineWatchDelete(this.tableName, video),
      ...(providerBilled ? [providerCostPut(this.tableName, item, outcome.now)] : []),
      ...(reconcile === undefined ? [] : [{ Put: { TableName: this.tableName, Item: reconcileItem(reconcile) } }]),
      // `video.failed` / `video.cancelled`, only when this transaction is what changes the status.
      ...(alreadyTerminal ? [] : [webhookOutboxPut(this.tableName, after, outcome.now)]),
    ];
    const result = await transactWrite(this.client, items, this.options);
    if (result.committed) return { applied: true, video: after, providerCostRecorded: providerBilled, held: false };
    // Only the video's condition may fail and be retried; a failed provider cost put means one exists already for a
    // video that is not settled, which no retry can mend.
    if (result.reasons[0] !== 'ConditionalCheckFailed') {
      throw new Error(`Provider cost for ${videoId} exists but the video is not settled`);
    }
    return undefined;
  }
}

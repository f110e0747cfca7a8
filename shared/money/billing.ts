import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { BudgetExceededError, QuotaExceededError } from '../errors';
import { deadlineWatchAt } from '../pipeline/duration';
import {
  type CompletionUpdate,
  fromItem,
  type TransitionResult,
  toItem,
  videoKey,
} from '../repositories/video-repository';
import type { VideoContent, VideoRecord } from '../video';
import { isTerminal, type VideoFailure } from '../video';
import { type AwsCost, type AwsUnitPrices, awsCostOf, DEFAULT_AWS_UNIT_PRICES, s3PutRequestsFor } from './aws-cost';
import { guardClaimItem, IdempotencyKeyClaimedError, type ReservationGuard } from './idempotency-guard';
import {
  activeKey,
  dayKey,
  dayOf,
  ledgerKey,
  monthOf,
  providerCostKey,
  secondsUntilUtcMidnight,
  usageIndexKeys,
  usageKey,
} from './keys';
import { DynamoLimitsStore, type LimitsStore, type UserLimits } from './limits';
import { deadlineWatchItem, reconcileItem, reconcileWorkItemFor, workItemKey } from './reconciliation';
import { type TransactItem, type TransactOptions, transactWrite } from './transact';

/**
 * Money moves (DESIGN.md: "Money moves with conditional writes or transactions"):
 * - reserve, at create: the estimate is added to the month's reserved amount, the active and daily counts go up
 *   and the video is written, in ONE transaction whose conditions enforce the budget and the quotas; a rejected
 *   request writes nothing.
 * - charge, at completion: the video becomes `completed` with `charged_micros`, one immutable ledger entry is
 *   written and the month's aggregates move (charged += amount, reserved -= estimate, active -= 1), in ONE
 *   transaction conditioned on the video not being settled yet: a retried or redriven step finds it settled and
 *   writes nothing.
 * - release, at failure or cancellation: the video becomes terminal with `charged_micros` 0 and its reservation
 *   is given back, in ONE transaction with the same guard.
 * A video the provider finished (and billed) after reelflow gave up on it is recorded once as a provider cost
 * (`PROVIDERCOST#` item, summed in the month's `providerCostMicros`) and never charged to the user. A release that
 * gives up on a provider job which may still finish also writes a `RECONCILE` work item (reconciliation.ts) in
 * its transaction; the scheduled reconciler records the cost through recordProviderCostOf() if the job completes.
 * reserve() also writes the video's deadline watch (reconciliation.ts): if no charge or release has settled the
 * video once its execution can no longer be running, the reconciler releases it as failed `timed_out`.
 *
 * Money attributes on the video item (beside the record's own fields): `usageMonth` (the reservation's month, so
 * settlement hits it even across a month boundary), `reservedMicros`, `unitPriceMicros`, `settledAt`,
 * `settlement` (`charged` | `released`), `awsCostMicros` (the AWS-side cost of producing it, priced at settlement
 * from the work counters the task functions keep on the item, see work-meter.ts and aws-cost.ts).
 */

/** What a settlement (charge or release) did. `applied` is true when this call moved the money. */
export interface SettlementResult extends TransitionResult {
  /** True when this call recorded a provider cost the user is not charged for. */
  providerCostRecorded?: boolean;
}

/** The terminal outcome a release records. */
export type ReleaseOutcome =
  | { status: 'failed'; error: VideoFailure; now: number }
  | { status: 'cancelled'; now: number };

/** Reserves a new video's estimate and writes it (create and remix). */
export interface Reservations {
  /**
   * Writes the video with its estimate reserved against the user's month, counted as active and in today's count.
   * With a `guard`, the same transaction claims the request's Idempotency-Key for this video (idempotency-guard.ts).
   * @throws BudgetExceededError (402) or QuotaExceededError (429 with Retry-After); nothing is written then.
   * @throws IdempotencyKeyClaimedError when the guard's key stands for another video; nothing is written then.
   */
  reserve(video: VideoRecord, now: Date, guard?: ReservationGuard): Promise<void>;
}

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

/** Charges a completed video exactly once (record-completion). */
export interface Charger {
  /**
   * Completes a video that is not yet terminal and charges it, in one transaction. `applied: false` when it was
   * already completed (nothing written) or had been given up on (then its provider cost is recorded once).
   */
  charge(videoId: string, update: CompletionUpdate): Promise<SettlementResult>;
}

/** Retry-After for `max_active`: when a running video ends is unknown; a short poll interval is honest. */
export const ACTIVE_RETRY_AFTER_SECONDS = 30;

/** How often a settlement re-reads and retries when the video changed between its read and its write. */
const MAX_SETTLEMENT_ATTEMPTS = 8;

const NOT_TERMINAL = 'NOT (#status IN (:completed, :failed, :cancelled))';
const TERMINAL_VALUES = { ':completed': 'completed', ':failed': 'failed', ':cancelled': 'cancelled' };

/** The money attributes of a video item. */
interface MoneyFields {
  usageMonth?: string;
  reservedMicros?: number;
  unitPriceMicros?: number;
  settledAt?: number;
  settlement?: 'charged' | 'released';
  awsCostMicros?: number;
  workInvocations?: number;
  workPolls?: number;
  workLambdaMbMillis?: number;
}

export interface BillingOptions extends TransactOptions {
  /** @default DEFAULT_AWS_UNIT_PRICES */
  awsPrices?: AwsUnitPrices;
}

/** The DynamoDB implementation of every money move (one table, see keys.ts). */
export class DynamoBilling implements Reservations, ReservationReleaser, Charger {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Needed by reserve() only: functions that only settle leave it out. */
    private readonly limits?: Pick<LimitsStore, 'effective'>,
    private readonly options: BillingOptions = {},
  ) {}

  async reserve(video: VideoRecord, now: Date, guard?: ReservationGuard): Promise<void> {
    if (this.limits === undefined) throw new Error('DynamoBilling.reserve needs a limits store');
    const limits = await this.limits.effective(video.userId);
    const estimate = video.estimatedMicros;
    const day = dayOf(now);
    const dailyRetryAfter = secondsUntilUtcMidnight(now);
    // Conditions cannot add: `committedMicros` (charged + reserved) is kept as one attribute and compared with
    // the headroom left for this estimate. Limits that no video can pass are answered without a write.
    if (estimate > limits.budgetMicros) throw budgetExceeded();
    if (limits.maxActive < 1) throw activeExceeded(limits.maxActive);
    if (limits.maxPerDay < 1) throw dailyExceeded(limits.maxPerDay, dailyRetryAfter);

    const month = monthOf(now);
    const seconds = Number.parseInt(video.seconds, 10);
    const moneyFields: MoneyFields = {
      usageMonth: month,
      reservedMicros: estimate,
      unitPriceMicros: seconds > 0 ? Math.round(estimate / seconds) : 0,
    };
    const outcome = await transactWrite(
      this.client,
      [
        this.update(usageKey(video.userId, month), {
          UpdateExpression:
            'SET entity = :usage, userId = :userId, #month = :month, gsi2pk = :gsi2pk, gsi2sk = :gsi2sk ' +
            'ADD reservedMicros :estimate, committedMicros :estimate',
          ConditionExpression: 'attribute_not_exists(committedMicros) OR committedMicros <= :headroom',
          ExpressionAttributeNames: { '#month': 'month' },
          ExpressionAttributeValues: {
            ':usage': 'usage',
            ':userId': video.userId,
            ':month': month,
            ...prefixed(usageIndexKeys(video.userId, month)),
            ':estimate': estimate,
            ':headroom': limits.budgetMicros - estimate,
          },
        }),
        this.update(activeKey(video.userId), {
          UpdateExpression: 'SET entity = :active, userId = :userId ADD activeCount :one',
          ConditionExpression: 'attribute_not_exists(activeCount) OR activeCount < :max',
          ExpressionAttributeValues: {
            ':active': 'active',
            ':userId': video.userId,
            ':one': 1,
            ':max': limits.maxActive,
          },
        }),
        this.update(dayKey(video.userId, day), {
          UpdateExpression: 'SET entity = :day, userId = :userId, #day = :date ADD createdCount :one',
          ConditionExpression: 'attribute_not_exists(createdCount) OR createdCount < :max',
          ExpressionAttributeNames: { '#day': 'day' },
          ExpressionAttributeValues: {
            ':day': 'day',
            ':userId': video.userId,
            ':date': day,
            ':one': 1,
            ':max': limits.maxPerDay,
          },
        }),
        {
          Put: {
            TableName: this.tableName,
            Item: { ...toItem(video), ...moneyFields },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        ...guardItems(this.tableName, video, guard, now),
        // Last, unconditional: releases the video if its execution ends without settling it (reconciliation.ts).
        this.deadlineWatchPut(video),
      ],
      this.options,
    );
    if (outcome.committed) return;
    const [budget, active, daily, , claimed] = outcome.reasons.map((code) => code === 'ConditionalCheckFailed');
    // A claimed key wins: the request is a retry of one that already reserved, not one over its limits.
    if (claimed) throw new IdempotencyKeyClaimedError();
    if (budget) throw budgetExceeded();
    if (active) throw activeExceeded(limits.maxActive);
    if (daily) throw dailyExceeded(limits.maxPerDay, dailyRetryAfter);
    throw new Error(`Video ${video.videoId} already exists`);
  }

  async charge(videoId: string, update: CompletionUpdate): Promise<SettlementResult> {
    for (let attempt = 1; attempt <= MAX_SETTLEMENT_ATTEMPTS; attempt++) {
      const item = await this.readVideo(videoId);
      if (item === undefined) return { applied: false, video: undefined };
      const video = fromItem(item);
      if (isTerminal(video.status) || item.settledAt !== undefined) {
        if (video.status === 'completed') return { applied: false, video };
        // The provider finished a job reelflow had given up on: finance sees the cost, the user is not charged.
        const providerCostRecorded = await this.recordProviderCost(item, update.completedAt);
        return { applied: false, video, providerCostRecorded };
      }

      const reservation = reservationOf(item);
      const amount = video.estimatedMicros;
      const awsCost = this.awsCost(item, update.content);
      const awsCostMicros = awsCost.micros;
      const now = update.completedAt;
      const ledgerEntry = {
        ...ledgerKey(video.userId, reservation.month, videoId),
        entity: 'ledger',
        userId: video.userId,
        month: reservation.month,
        videoId,
        model: video.model,
        size: video.size,
        seconds: Number.parseInt(video.seconds, 10),
        unitPriceMicros: reservation.unitPriceMicros,
        priceVersion: video.priceVersion,
        amountMicros: amount,
        awsCostMicros,
        awsCost,
        chargedAt: now,
      };
      const items: TransactItem[] = [
        this.update(videoKey(videoId), {
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
            ':aws': awsCostMicros,
          },
        }),
        {
          Put: {
            TableName: this.tableName,
            Item: ledgerEntry,
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        this.usageUpdate(video.userId, reservation.month, {
          chargedMicros: amount,
          reservedMicros: -reservation.micros,
          committedMicros: amount - reservation.micros,
          videos: 1,
          seconds: ledgerEntry.seconds,
          awsCostMicros,
        }),
        ...(reservation.held ? [this.activeRelease(video.userId)] : []),
        this.deadlineWatchDelete(video),
      ];
      const outcome = await transactWrite(this.client, items, this.options);
      if (outcome.committed) {
        return {
          applied: true,
          video: {
            ...video,
            status: 'completed',
            progress: 100,
            completedAt: now,
            updatedAt: now,
            content: update.content,
            chargedMicros: amount,
            error: null,
          },
        };
      }
      if (outcome.reasons[1] === 'ConditionalCheckFailed' && outcome.reasons[0] !== 'ConditionalCheckFailed') {
        throw new Error(`Ledger entry for ${videoId} exists but the video is not settled`);
      }
      // The video moved between the read and the write: look again.
    }
    throw new Error(`Video ${videoId} kept changing; charge not recorded`);
  }

  async release(videoId: string, outcome: ReleaseOutcome): Promise<SettlementResult> {
    for (let attempt = 1; attempt <= MAX_SETTLEMENT_ATTEMPTS; attempt++) {
      const item = await this.readVideo(videoId);
      if (item === undefined) return { applied: false, video: undefined };
      const video = fromItem(item);
      if (item.settledAt !== undefined || video.status === 'completed') return { applied: false, video };

      const reservation = reservationOf(item);
      const alreadyTerminal = isTerminal(video.status);
      // `storing` means the provider finished the job: it billed, whatever happens to the download now.
      const providerBilled = video.status === 'storing';
      const awsCostMicros = this.awsCost(item, null).micros;
      const after: VideoRecord = alreadyTerminal
        ? { ...video, chargedMicros: 0 }
        : {
            ...video,
            status: outcome.status,
            chargedMicros: 0,
            updatedAt: outcome.now,
            error: outcome.status === 'failed' ? outcome.error : video.error,
          };
      const reconcile = providerBilled ? undefined : reconcileWorkItemFor(after, outcome.now);
      const setStatus = alreadyTerminal
        ? 'chargedMicros = :zero'
        : `#status = :target, chargedMicros = :zero, updatedAt = :now${outcome.status === 'failed' ? ', #error = :error' : ''}`;
      const items: TransactItem[] = [
        this.update(videoKey(videoId), {
          UpdateExpression: `SET ${setStatus}, settledAt = :now, settlement = :released, awsCostMicros = :aws`,
          ConditionExpression: 'attribute_exists(pk) AND #status = :found AND attribute_not_exists(settledAt)',
          ExpressionAttributeNames: {
            '#status': 'status',
            ...(!alreadyTerminal && outcome.status === 'failed' ? { '#error': 'error' } : {}),
          },
          ExpressionAttributeValues: {
            ':found': video.status,
            ':zero': 0,
            ':now': outcome.now,
            ':released': 'released',
            ':aws': awsCostMicros,
            ...(alreadyTerminal ? {} : { ':target': outcome.status }),
            ...(!alreadyTerminal && outcome.status === 'failed' ? { ':error': outcome.error } : {}),
          },
        }),
        this.usageUpdate(video.userId, reservation.month, {
          reservedMicros: -reservation.micros,
          committedMicros: -reservation.micros,
          awsCostMicros,
          ...(providerBilled ? { providerCostMicros: video.estimatedMicros } : {}),
        }),
        ...(reservation.held ? [this.activeRelease(video.userId)] : []),
        this.deadlineWatchDelete(video),
        ...(providerBilled ? [this.providerCostPut(item, outcome.now)] : []),
        // A provider job that may still finish (and be billed) is looked at again by the reconciler.
        ...(reconcile === undefined ? [] : [{ Put: { TableName: this.tableName, Item: reconcileItem(reconcile) } }]),
      ];
      const result = await transactWrite(this.client, items, this.options);
      if (result.committed) {
        return { applied: true, video: after, providerCostRecorded: providerBilled };
      }
      // The video moved between the read and the write (or its provider cost exists already): look again.
      if (result.reasons[0] !== 'ConditionalCheckFailed') {
        throw new Error(`Provider cost for ${videoId} exists but the video is not settled`);
      }
    }
    throw new Error(`Video ${videoId} kept changing; release not recorded`);
  }

  /**
   * Records, once, that the provider billed a video the user is not charged for (a job that finished after
   * reelflow gave up on it). For a reconciliation that finds such jobs; charge() calls it itself.
   * @param providerVideoId the job billed, when the video does not hold it (a job it never saved)
   * @returns true when this call recorded it.
   */
  async recordProviderCostOf(videoId: string, now: number, providerVideoId?: string): Promise<boolean> {
    const item = await this.readVideo(videoId);
    if (item === undefined || fromItem(item).status === 'completed') return false;
    return this.recordProviderCost(
      providerVideoId === undefined || item.providerVideoId !== undefined ? item : { ...item, providerVideoId },
      now,
    );
  }

  private async recordProviderCost(item: Record<string, unknown>, now: number): Promise<boolean> {
    const video = fromItem(item);
    const reservation = reservationOf(item);
    const result = await transactWrite(
      this.client,
      [
        this.providerCostPut(item, now),
        this.usageUpdate(video.userId, reservation.month, { providerCostMicros: video.estimatedMicros }),
      ],
      this.options,
    );
    return result.committed;
  }

  private providerCostPut(item: Record<string, unknown>, now: number): TransactItem {
    const video = fromItem(item);
    const reservation = reservationOf(item);
    return {
      Put: {
        TableName: this.tableName,
        Item: {
          ...providerCostKey(video.userId, reservation.month, video.videoId),
          entity: 'providerCost',
          userId: video.userId,
          month: reservation.month,
          videoId: video.videoId,
          providerVideoId: video.providerVideoId,
          model: video.model,
          size: video.size,
          seconds: Number.parseInt(video.seconds, 10),
          unitPriceMicros: reservation.unitPriceMicros,
          priceVersion: video.priceVersion,
          providerCostMicros: video.estimatedMicros,
          chargedToUserMicros: 0,
          videoStatus: video.status,
          recordedAt: now,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  private usageUpdate(userId: string, month: string, amounts: Record<string, number>): TransactItem {
    const names = Object.keys(amounts);
    return this.update(usageKey(userId, month), {
      UpdateExpression:
        'SET entity = :usage, userId = :userId, #month = :month, gsi2pk = :gsi2pk, gsi2sk = :gsi2sk ' +
        `ADD ${names.map((name) => `${name} :${name}`).join(', ')}`,
      ExpressionAttributeNames: { '#month': 'month' },
      ExpressionAttributeValues: {
        ':usage': 'usage',
        ':userId': userId,
        ':month': month,
        ...prefixed(usageIndexKeys(userId, month)),
        ...prefixed(amounts),
      },
    });
  }

  /** The video's deadline watch (reconciliation.ts), due once no execution of it can still be running. */
  private deadlineWatchPut(video: VideoRecord): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: reconcileItem(deadlineWatchItem(video, deadlineWatchAt(video.createdAt))),
      },
    };
  }

  /**
   * Settling a video removes its deadline watch in the same transaction, so the reconciler's queue holds only videos
   * that may still need it. (A watch the reconciler has moved, or one written with another pipeline duration, is
   * missed here and removed by the reconciler when due.)
   */
  private deadlineWatchDelete(video: VideoRecord): TransactItem {
    const key = workItemKey({ kind: 'deadline', dueAt: deadlineWatchAt(video.createdAt), videoId: video.videoId });
    return { Delete: { TableName: this.tableName, Key: key } };
  }

  private activeRelease(userId: string): TransactItem {
    return this.update(activeKey(userId), {
      UpdateExpression: 'ADD activeCount :minusOne',
      ExpressionAttributeValues: { ':minusOne': -1 },
    });
  }

  private update(
    key: { pk: string; sk: string },
    expression: {
      UpdateExpression: string;
      ConditionExpression?: string;
      ExpressionAttributeNames?: Record<string, string>;
      ExpressionAttributeValues: Record<string, unknown>;
    },
  ): TransactItem {
    return { Update: { TableName: this.tableName, Key: key, ...expression } };
  }

  /** The AWS-side cost of a video from its work counters and, once stored, its content. */
  private awsCost(item: MoneyFields, content: VideoContent | null): AwsCost {
    const variants = content?.variants ?? [];
    return awsCostOf(
      {
        taskInvocations: item.workInvocations ?? 0,
        pollInvocations: item.workPolls ?? 0,
        lambdaMbMillis: item.workLambdaMbMillis ?? 0,
        // The MP4's size is known; each preview is one PutObject of unknown (small) size.
        s3PutRequests: variants.reduce(
          (requests, variant) => requests + s3PutRequestsFor(variant === 'video' ? content?.bytes : undefined),
          0,
        ),
        s3Bytes: content?.bytes ?? 0,
      },
      this.options.awsPrices ?? DEFAULT_AWS_UNIT_PRICES,
    );
  }

  private async readVideo(videoId: string): Promise<(Record<string, unknown> & MoneyFields) | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: videoKey(videoId), ConsistentRead: true }),
    );
    return Item;
  }
}

/** The reservation a video item carries; a video written before reservations existed holds none. */
function reservationOf(item: Record<string, unknown> & MoneyFields) {
  const video = fromItem(item);
  const seconds = Number.parseInt(video.seconds, 10);
  if (typeof item.usageMonth === 'string') {
    return {
      held: true,
      month: item.usageMonth,
      micros: item.reservedMicros ?? 0,
      unitPriceMicros: item.unitPriceMicros ?? Math.round(video.estimatedMicros / seconds),
    };
  }
  return {
    held: false,
    month: monthOf(new Date(video.createdAt * 1000)),
    micros: 0,
    unitPriceMicros: Math.round(video.estimatedMicros / seconds),
  };
}

/** The reserve transaction's Idempotency-Key claim (its last item), when the request has a key. */
function guardItems(
  tableName: string,
  video: VideoRecord,
  guard: ReservationGuard | undefined,
  now: Date,
): TransactItem[] {
  return guard === undefined ? [] : [guardClaimItem(tableName, video, guard, now)];
}

function prefixed(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [`:${name}`, value]));
}

function budgetExceeded(): BudgetExceededError {
  return new BudgetExceededError('Your monthly budget cannot cover this video (charged + reserved + estimate)');
}

function activeExceeded(max: number): QuotaExceededError {
  return new QuotaExceededError(
    `You have ${max} videos in progress, the most allowed at once; retry when one finishes`,
    ACTIVE_RETRY_AFTER_SECONDS,
  );
}

function dailyExceeded(max: number, retryAfter: number): QuotaExceededError {
  return new QuotaExceededError(`You have created ${max} videos today, the most allowed per day`, retryAfter);
}

/** The billing a function wires: the table's money moves, with limits from the LIMITS items over `defaults`. */
export function dynamoBilling(
  client: DynamoDBDocumentClient,
  tableName: string,
  defaults: UserLimits,
  options: BillingOptions = {},
): DynamoBilling {
  return new DynamoBilling(client, tableName, new DynamoLimitsStore(client, tableName, defaults), options);
}

import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { type TransactItem, type TransactOptions, transactWrite } from '../aws/transact';
import { activeKey, dayKey, type TableKey, usageKey } from '../table-keys';
import { dayCounterPurgeAt, TABLE_TTL_ATTRIBUTE } from '../table-ttl';
import { toItem } from '../video/item';
import type { VideoRecord } from '../video/video';
import { dayOf, monthOf } from './calendar';
import {
  budgetHeadroomMicros,
  type ReserveCounts,
  refusalBeforeReserve,
  reservationFields,
  reserveConflictsOf,
  reserveRefusal,
} from './decisions';
import { guardClaimItem, type ReservationGuard } from './idempotency-guard';
import type { LimitsStore } from './limits';
import { deadlineWatchPut, updateItem, usageUpdate } from './transaction-items';
import type { UserLimits } from './user-limits';

/*
 * Reserve, at create: the estimate is added to the month's reserved (and committed) amount, the active and daily
 * counts go up and the video is written, in ONE transaction whose conditions enforce the budget and the quotas, so
 * that concurrent creates never overspend; a refused request writes nothing. The same transaction writes the
 * video's deadline watch (the reconciler releases a video no execution settled) and, for a keyed request, claims
 * its Idempotency-Key.
 */

/** Reserves a new video's estimate and writes it (create and remix). */
export interface Reservations {
  /**
   * Writes the video with its estimate reserved against the user's month, counted as active and in today's count.
   * With a `guard`, the same transaction claims the request's Idempotency-Key for this video (idempotency-guard.ts).
   * @throws BudgetExceededError (402) or QuotaExceededError (429 with Retry-After); nothing is written then.
   * @throws IdempotencyKeyClaimedError when the guard's key stands for another video; nothing is written then.
   */
  reserve(video: VideoRecord, now: Date, guard?: ReservationGuard): Promise<void>;
  /**
   * Reads only: throws the error reserve() would throw now for a video of this estimate (402, or 429 with
   * Retry-After), from the same limits and the same counts its transaction's conditions compare. Not binding (a
   * concurrent create can change the counts before the reservation, which stays the authority); for work a create
   * does before it reserves that a caller over its limits must not be able to drive.
   */
  precheck(video: Pick<VideoRecord, 'userId' | 'estimatedMicros'>, now: Date): Promise<void>;
}

/** The DynamoDB reservations. */
export class DynamoReservations implements Reservations {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly limits: Pick<LimitsStore, 'effective'>,
    private readonly options: TransactOptions = {},
  ) {}

  async reserve(video: VideoRecord, now: Date, guard?: ReservationGuard): Promise<void> {
    const limits = await this.limitsAdmitting(video, now);
    const estimate = video.estimatedMicros;
    const fields = reservationFields(video, now);
    const items: TransactItem[] = [
      usageUpdate(
        this.tableName,
        video.userId,
        fields.usageMonth,
        { reservedMicros: estimate, committedMicros: estimate },
        {
          ConditionExpression: 'attribute_not_exists(committedMicros) OR committedMicros <= :headroom',
          ExpressionAttributeValues: { ':headroom': budgetHeadroomMicros(limits, estimate) },
        },
      ),
      updateItem(this.tableName, activeKey(video.userId), {
        UpdateExpression: 'SET entity = :active, userId = :userId ADD activeCount :one',
        ConditionExpression: 'attribute_not_exists(activeCount) OR activeCount < :max',
        ExpressionAttributeValues: {
          ':active': 'active',
          ':userId': video.userId,
          ':one': 1,
          ':max': limits.maxActive,
        },
      }),
      updateItem(this.tableName, dayKey(video.userId, dayOf(now)), {
        UpdateExpression:
          'SET entity = :day, userId = :userId, #day = :date, #purgeAt = :purgeAt ADD createdCount :one',
        ConditionExpression: 'attribute_not_exists(createdCount) OR createdCount < :max',
        ExpressionAttributeNames: { '#day': 'day', '#purgeAt': TABLE_TTL_ATTRIBUTE },
        ExpressionAttributeValues: {
          ':day': 'day',
          ':userId': video.userId,
          ':date': dayOf(now),
          ':purgeAt': dayCounterPurgeAt(dayOf(now)),
          ':one': 1,
          ':max': limits.maxPerDay,
        },
      }),
      {
        Put: {
          TableName: this.tableName,
          Item: { ...toItem(video), ...fields },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      // Fifth when present: the cancellation reasons below are read by position.
      ...(guard === undefined ? [] : [guardClaimItem(this.tableName, video, guard, now)]),
      // Last, unconditional.
      deadlineWatchPut(this.tableName, video),
    ];
    const outcome = await transactWrite(this.client, items, this.options);
    if (outcome.committed) return;
    const [budget, active, daily, , claimed] = outcome.reasons.map((code) => code === 'ConditionalCheckFailed');
    throw (
      reserveRefusal(
        { budget: budget === true, active: active === true, daily: daily === true, claimed: claimed === true },
        limits,
        now,
      ) ?? new Error(`Video ${video.videoId} already exists`)
    );
  }

  async precheck(video: Pick<VideoRecord, 'userId' | 'estimatedMicros'>, now: Date): Promise<void> {
    const limits = await this.limitsAdmitting(video, now);
    const counts = await this.counts(video.userId, now);
    const refusal = reserveRefusal(reserveConflictsOf(counts, limits, video.estimatedMicros), limits, now);
    if (refusal !== undefined) throw refusal;
  }

  /** The user's limits, unless they refuse every video of this estimate (thrown then, without a write). */
  private async limitsAdmitting(
    video: Pick<VideoRecord, 'userId' | 'estimatedMicros'>,
    now: Date,
  ): Promise<UserLimits> {
    const limits = await this.limits.effective(video.userId);
    const refusal = refusalBeforeReserve(video.estimatedMicros, limits, now);
    if (refusal !== undefined) throw refusal;
    return limits;
  }

  /** The counts the reservation's conditions compare, read strongly consistent (the items it updates). */
  private async counts(userId: string, now: Date): Promise<ReserveCounts> {
    const read = async (key: TableKey, attribute: string) => {
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
      );
      const value = Item?.[attribute];
      return typeof value === 'number' ? value : 0;
    };
    const [committedMicros, activeCount, createdCount] = await Promise.all([
      read(usageKey(userId, monthOf(now)), 'committedMicros'),
      read(activeKey(userId), 'activeCount'),
      read(dayKey(userId, dayOf(now)), 'createdCount'),
    ]);
    return { committedMicros, activeCount, createdCount };
  }
}

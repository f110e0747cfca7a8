import { type AppError, BudgetExceededError, QuotaExceededError } from '../errors';
import type { CompletionUpdate, TransitionResult } from '../video/store';
import { isTerminal, type VideoFailure, type VideoRecord } from '../video/video';
import { monthOf } from './calendar';
import { IdempotencyKeyClaimedError } from './idempotency-guard';
import type { UserLimits } from './user-limits';

// What the money moves decide, as pure functions (whether a create may reserve, what refuses it, what a charge or a
// release moves); reserve.ts, charge.ts, release.ts and provider-cost.ts write them as conditional transactions, whose
// conditions re-check the limits atomically (concurrent creates race). The settlements: docs/ARCHITECTURE.md,
// "Settling a video: charge, release, held cancel".

/** Retry-After for `max_active`: when a running video ends is unknown; a short poll interval is honest. */
export const ACTIVE_RETRY_AFTER_SECONDS = 30;

/** The money attributes a video item carries beside the record's own fields. */
export interface VideoMoneyFields {
  /** The reservation's month, so settlement hits it even across a month boundary. */
  usageMonth?: string;
  reservedMicros?: number;
  unitPriceMicros?: number;
  /** Set once by the charge or the release that settled the video: what makes a retried settlement a no-op. */
  settledAt?: number;
  settlement?: 'charged' | 'released';
  /**
   * Set by a cancel that holds (the provider accepted the job, or its create is in flight): the video answers
   * `cancelled` and its `max_active` slot is freed, but its reservation stays held until the provider's outcome
   * settles it (its `cancel_settlement` work item).
   */
  cancelHeldAt?: number;
  /** The AWS-side cost of producing the video, priced at settlement (aws-cost.ts). */
  awsCostMicros?: number;
  /** Work counters the task functions add to (work-meter.ts). */
  workInvocations?: number;
  workPolls?: number;
  workLambdaMbMillis?: number;
}

/** The reservation a video holds against its user's month. */
export interface Reservation {
  /** False for a video written before reservations existed: it holds no money and no active count. */
  held: boolean;
  month: string;
  micros: number;
  unitPriceMicros: number;
}

/** Signed amounts a money move adds to the user's month usage item. */
export type UsageDelta = Partial<
  Record<
    | 'chargedMicros'
    | 'cancelledChargedMicros'
    | 'cancelledVideos'
    | 'reservedMicros'
    | 'committedMicros'
    | 'videos'
    | 'seconds'
    | 'awsCostMicros'
    | 'providerCostMicros',
    number
  >
>;

/** What a settlement (charge or release) did. `applied` is true when this call moved the money. */
export interface SettlementResult extends TransitionResult {
  /** True when this call recorded a provider cost the user is not charged for. */
  providerCostRecorded?: boolean;
  /**
   * True when the video is a held cancel (cancelled after the provider accepted its job, or while its create was in
   * flight) that this call left for the provider's outcome to settle.
   */
  awaitingProvider?: boolean;
}

/** The terminal outcome a release records. */
export type ReleaseOutcome =
  | { status: 'failed'; error: VideoFailure; now: number }
  | {
      status: 'cancelled';
      now: number;
      /**
       * Settles a held cancel at 0: the provider's job failed or was deleted before it completed, no job of its
       * in-flight create turned up within the search window, or reelflow gave up waiting for its outcome. Without it a release leaves a held cancel alone (only the provider's outcome, or
       * giving up on it, settles one).
       */
      settlesHeldCancel?: 'provider_ended' | 'no_job' | 'gave_up';
    };

/** A video's length in whole seconds. */
export function secondsOf(video: Pick<VideoRecord, 'seconds'>): number {
  return Number.parseInt(video.seconds, 10);
}

/** Whole seconds from `date` to the next UTC midnight (at least 1): when the daily quota opens again. */
export function secondsUntilUtcMidnight(date: Date): number {
  const midnight = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() + 1);
  return Math.max(1, Math.ceil((midnight - date.getTime()) / 1000));
}

/**
 * The refusal for limits that no video can pass, answered without a write: an estimate over the whole budget, or a
 * quota of zero. Undefined when the reservation may be tried (the transaction's conditions decide the rest).
 */
export function refusalBeforeReserve(estimateMicros: number, limits: UserLimits, now: Date): AppError | undefined {
  if (estimateMicros > limits.budgetMicros) return budgetExceeded();
  if (limits.maxActive < 1) return activeExceeded(limits.maxActive);
  if (limits.maxPerDay < 1) return dailyExceeded(limits.maxPerDay, now);
  return undefined;
}

/**
 * The most the month's committed amount (charged + reserved) may already be for this estimate to fit the budget.
 * Condition expressions cannot add, so the sum is kept as one attribute and compared with this.
 */
export function budgetHeadroomMicros(limits: UserLimits, estimateMicros: number): number {
  return limits.budgetMicros - estimateMicros;
}

/** Which conditions of the reserve transaction failed. */
export interface ReserveConflicts {
  budget: boolean;
  active: boolean;
  daily: boolean;
  /** The Idempotency-Key is claimed by another video. */
  claimed: boolean;
}

/** What the reserve transaction's conditions compare with their bounds, as read before it (absent items count 0). */
export interface ReserveCounts {
  /** The month's charged + reserved amount (the usage item's `committedMicros`). */
  committedMicros: number;
  /** Videos not yet terminal (the `ACTIVE` item's `activeCount`). */
  activeCount: number;
  /** Videos created today, UTC (the `DAY#` item's `createdCount`). */
  createdCount: number;
}

/**
 * The reserve transaction's conditions evaluated on counts read before it (the pre-check): which of them would fail
 * now. The same comparisons against the same bounds as reserve.ts's condition expressions, so a pre-check refuses
 * only what the transaction would refuse on the same counts.
 */
export function reserveConflictsOf(
  counts: ReserveCounts,
  limits: UserLimits,
  estimateMicros: number,
): ReserveConflicts {
  return {
    budget: counts.committedMicros > budgetHeadroomMicros(limits, estimateMicros),
    active: counts.activeCount >= limits.maxActive,
    daily: counts.createdCount >= limits.maxPerDay,
    claimed: false,
  };
}

/**
 * Why a reserve transaction was refused, or undefined when none of the limits (nor the key) refused it. A claimed
 * key wins: the request is a retry of one that already reserved, not one over its limits.
 */
export function reserveRefusal(conflicts: ReserveConflicts, limits: UserLimits, now: Date): Error | undefined {
  if (conflicts.claimed) return new IdempotencyKeyClaimedError();
  if (conflicts.budget) return budgetExceeded();
  if (conflicts.active) return activeExceeded(limits.maxActive);
  if (conflicts.daily) return dailyExceeded(limits.maxPerDay, now);
  return undefined;
}

/** The money fields a new video is written with: its estimate reserved in this month, and its price per second. */
export function reservationFields(video: Pick<VideoRecord, 'estimatedMicros' | 'seconds'>, now: Date) {
  const seconds = secondsOf(video);
  return {
    usageMonth: monthOf(now),
    reservedMicros: video.estimatedMicros,
    unitPriceMicros: seconds > 0 ? Math.round(video.estimatedMicros / seconds) : 0,
  } satisfies VideoMoneyFields;
}

/** The reservation a video item carries; a video written before reservations existed holds none. */
export function reservationOf(video: VideoRecord, fields: VideoMoneyFields): Reservation {
  const unitPriceMicros = Math.round(video.estimatedMicros / secondsOf(video));
  if (typeof fields.usageMonth === 'string') {
    return {
      held: true,
      month: fields.usageMonth,
      micros: fields.reservedMicros ?? 0,
      unitPriceMicros: fields.unitPriceMicros ?? unitPriceMicros,
    };
  }
  return { held: false, month: monthOf(new Date(video.createdAt * 1000)), micros: 0, unitPriceMicros };
}

/**
 * What a completion does to the money:
 * - `charge`: the video is not settled, the user pays for it;
 * - `charge_cancelled`: a held cancel (cancelled after the provider accepted the job, or while its create was in
 *   flight) whose job the provider finished, so billed: the user pays its price once, the video stays `cancelled`;
 * - `already_charged`: a retried or redriven completion, nothing to do;
 * - `record_provider_cost`: the provider finished a job reelflow had given up on (released): finance sees the cost,
 *   the user is not charged.
 */
export function chargeDecision(
  video: VideoRecord,
  fields: Pick<VideoMoneyFields, 'settledAt' | 'cancelHeldAt' | 'settlement'>,
): 'charge' | 'charge_cancelled' | 'already_charged' | 'record_provider_cost' {
  if (isHeldCancel(video, fields)) return 'charge_cancelled';
  if (!isTerminal(video.status) && fields.settledAt === undefined) return 'charge';
  return video.status === 'completed' || fields.settlement === 'charged' ? 'already_charged' : 'record_provider_cost';
}

/** A held cancel (the provider had accepted the job, or its create was in flight): its money waits for the outcome. */
export function isHeldCancel(
  video: Pick<VideoRecord, 'status'>,
  fields: Pick<VideoMoneyFields, 'settledAt' | 'cancelHeldAt'>,
): boolean {
  return video.status === 'cancelled' && fields.settledAt === undefined && fields.cancelHeldAt !== undefined;
}

/**
 * What a cancel does:
 * - `release`: no provider job can exist: no create was attempted, or every attempt is resolved without a job
 *   (refused, failed at once, rate-limited, nothing sent): everything is released at once;
 * - `hold`: the provider accepted the job, or a create was sent and its answer is not recorded yet (in flight, or
 *   lost): the provider may run and bill a job. The video becomes `cancelled` with `charged_micros` null and its
 *   `max_active` slot is freed, but its reservation stays committed until the provider's outcome is known;
 * - `terminal`: the video is already completed, failed or cancelled (409).
 */
export function cancelDecision(video: VideoRecord): 'release' | 'hold' | 'terminal' {
  if (isTerminal(video.status)) return 'terminal';
  return hasProviderJob(video) || createInFlight(video) ? 'hold' : 'release';
}

/** True when the video holds a provider job id. */
export function hasProviderJob(video: Pick<VideoRecord, 'providerVideoId'>): boolean {
  return video.providerVideoId !== null && video.providerVideoId !== '';
}

/**
 * True when a provider create was recorded as attempted and not resolved, and no job id is saved: its request may
 * have made a job whose answer has not been recorded (yet).
 */
export function createInFlight(
  video: Pick<VideoRecord, 'providerVideoId' | 'providerCreateAttempts' | 'providerCreateResolvedAttempts'>,
): boolean {
  return !hasProviderJob(video) && video.providerCreateAttempts > (video.providerCreateResolvedAttempts ?? 0);
}

/** The record once a cancel holds it for the provider's outcome. */
export function heldCancelVideo(video: VideoRecord, now: number): VideoRecord {
  return { ...video, status: 'cancelled', chargedMicros: null, updatedAt: now };
}

/** The month's usage after a held cancel is charged: a charge, also counted as a cancelled video's charge. */
export function cancelledChargeUsage(video: VideoRecord, reservation: Reservation, awsCostMicros: number): UsageDelta {
  return {
    ...chargeUsage(video, reservation, awsCostMicros),
    cancelledChargedMicros: chargeAmountMicros(video),
    cancelledVideos: 1,
  };
}

/** The record after a held cancel is charged: still `cancelled`, charged its price. */
export function cancelledChargedVideo(video: VideoRecord, now: number): VideoRecord {
  return { ...video, chargedMicros: chargeAmountMicros(video), updatedAt: now };
}

/** What a completed video costs its user: the estimate quoted at create, whatever the provider took. */
export function chargeAmountMicros(video: Pick<VideoRecord, 'estimatedMicros'>): number {
  return video.estimatedMicros;
}

/** What the provider billed for a video's job: the estimate, priced with the provider's own price table. */
export function providerCostMicrosOf(video: Pick<VideoRecord, 'estimatedMicros'>): number {
  return video.estimatedMicros;
}

/** The month's usage after a charge: the amount charged, the reservation given back, one video and its seconds. */
export function chargeUsage(video: VideoRecord, reservation: Reservation, awsCostMicros: number): UsageDelta {
  const amount = chargeAmountMicros(video);
  return {
    chargedMicros: amount,
    reservedMicros: -reservation.micros,
    committedMicros: amount - reservation.micros,
    videos: 1,
    seconds: secondsOf(video),
    awsCostMicros,
  };
}

/** The record after a charge. */
export function chargedVideo(video: VideoRecord, update: CompletionUpdate): VideoRecord {
  return {
    ...video,
    status: 'completed',
    progress: 100,
    completedAt: update.completedAt,
    updatedAt: update.completedAt,
    content: update.content,
    chargedMicros: chargeAmountMicros(video),
    error: null,
  };
}

/** What a release does to a video it may settle. */
export interface ReleasePlan {
  /** The record after the release. */
  after: VideoRecord;
  /** Some other path made it `failed`/`cancelled` without releasing: it keeps its status. */
  alreadyTerminal: boolean;
  /** The provider finished the job (`storing`): it billed, whatever happens to the download now. */
  providerBilled: boolean;
  /** A held cancel: its `max_active` slot was freed at cancel, and its own work item is what settles it. */
  heldCancel: boolean;
}

/**
 * The release of a video, or undefined when there is nothing to release: it is completed (charged) or already
 * settled, or it is a held cancel and `outcome` is not its settlement. A video not yet terminal takes `outcome`'s
 * status and error; every released video is charged 0.
 */
export function releasePlan(
  video: VideoRecord,
  settledAt: number | undefined,
  outcome: ReleaseOutcome,
  cancelHeldAt?: number,
): ReleasePlan | undefined {
  if (settledAt !== undefined || video.status === 'completed') return undefined;
  const heldCancel = isHeldCancel(video, { settledAt, cancelHeldAt });
  if (heldCancel && (outcome.status !== 'cancelled' || outcome.settlesHeldCancel === undefined)) return undefined;
  const alreadyTerminal = isTerminal(video.status);
  const after: VideoRecord = alreadyTerminal
    ? { ...video, chargedMicros: 0 }
    : {
        ...video,
        status: outcome.status,
        chargedMicros: 0,
        updatedAt: outcome.now,
        error: outcome.status === 'failed' ? outcome.error : video.error,
      };
  return { after, alreadyTerminal, providerBilled: video.status === 'storing', heldCancel };
}

/** The month's usage after a release: the reservation given back, the AWS cost and any provider cost counted. */
export function releaseUsage(
  video: VideoRecord,
  reservation: Reservation,
  awsCostMicros: number,
  providerBilled: boolean,
): UsageDelta {
  return {
    reservedMicros: -reservation.micros,
    committedMicros: -reservation.micros,
    awsCostMicros,
    ...(providerBilled ? { providerCostMicros: providerCostMicrosOf(video) } : {}),
  };
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

function dailyExceeded(max: number, now: Date): QuotaExceededError {
  return new QuotaExceededError(
    `You have created ${max} videos today, the most allowed per day`,
    secondsUntilUtcMidnight(now),
  );
}

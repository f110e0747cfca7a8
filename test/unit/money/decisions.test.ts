import { describe, expect, it } from 'vitest';
import { BudgetExceededError, QuotaExceededError } from '../../../shared/errors';
import {
  ACTIVE_RETRY_AFTER_SECONDS,
  budgetHeadroomMicros,
  cancelDecision,
  cancelledChargedVideo,
  cancelledChargeUsage,
  chargeDecision,
  chargedVideo,
  chargeUsage,
  heldCancelVideo,
  type ReleaseOutcome,
  refusalBeforeReserve,
  releasePlan,
  releaseUsage,
  reservationFields,
  reservationOf,
  reserveRefusal,
  secondsUntilUtcMidnight,
} from '../../../shared/money/decisions';
import { IdempotencyKeyClaimedError } from '../../../shared/money/idempotency-guard';
import type { UserLimits } from '../../../shared/money/user-limits';
import { aVideo } from '../fakes/fakes';
import { CONTENT, NOW } from './money-fixtures';

/* The money decisions alone: no table, no clock, no SDK. */

const LIMITS: UserLimits = { budgetMicros: 1_000_000, maxActive: 3, maxPerDay: 10 };
const NO_CONFLICT = { budget: false, active: false, daily: false, claimed: false };
const FAILED: ReleaseOutcome = { status: 'failed', error: { code: 'timed_out', message: 'gave up' }, now: 2_000 };

describe('decisions', () => {
  it('returns the seconds to the next UTC midnight, at least 1, when asked when the daily quota opens', () => {
    expect(secondsUntilUtcMidnight(NOW)).toBe(12 * 3600);
    expect(secondsUntilUtcMidnight(new Date('2026-11-21T23:59:59.500Z'))).toBe(1);
    expect(secondsUntilUtcMidnight(new Date('2026-11-21T00:00:00Z'))).toBe(24 * 3600);
  });

  it('returns no refusal before reserving when the estimate fits the budget and both quotas allow one', () => {
    expect(refusalBeforeReserve(LIMITS.budgetMicros, LIMITS, NOW)).toBeUndefined();
  });

  it('returns a 402 before reserving when the estimate alone exceeds the budget', () => {
    expect(refusalBeforeReserve(LIMITS.budgetMicros + 1, LIMITS, NOW)).toBeInstanceOf(BudgetExceededError);
  });

  it('returns a 429 with the right Retry-After before reserving when a quota is 0', () => {
    const active = refusalBeforeReserve(1, { ...LIMITS, maxActive: 0 }, NOW);
    const daily = refusalBeforeReserve(1, { ...LIMITS, maxPerDay: 0 }, NOW);

    expect(active).toBeInstanceOf(QuotaExceededError);
    expect(active).toMatchObject({ retryAfterSeconds: ACTIVE_RETRY_AFTER_SECONDS });
    expect(daily).toMatchObject({ status: 429, retryAfterSeconds: 12 * 3600 });
  });

  it('returns the budget minus the estimate as the most a month may already have committed', () => {
    expect(budgetHeadroomMicros(LIMITS, 400_000)).toBe(600_000);
  });

  it('returns the claimed key first, then budget, active and daily when several reserve conditions failed', () => {
    const all = { budget: true, active: true, daily: true, claimed: true };

    expect(reserveRefusal(all, LIMITS, NOW)).toBeInstanceOf(IdempotencyKeyClaimedError);
    expect(reserveRefusal({ ...all, claimed: false }, LIMITS, NOW)).toBeInstanceOf(BudgetExceededError);
    expect(reserveRefusal({ ...NO_CONFLICT, active: true, daily: true }, LIMITS, NOW)).toMatchObject({
      retryAfterSeconds: ACTIVE_RETRY_AFTER_SECONDS,
    });
    expect(reserveRefusal({ ...NO_CONFLICT, daily: true }, LIMITS, NOW)).toMatchObject({
      retryAfterSeconds: 12 * 3600,
    });
  });

  it('returns no refusal when no reserve condition failed (the video item itself exists)', () => {
    expect(reserveRefusal(NO_CONFLICT, LIMITS, NOW)).toBeUndefined();
  });

  it('returns the month, the estimate and the price per second as the money fields of a new video', () => {
    expect(reservationFields(aVideo({ estimatedMicros: 1_000_001, seconds: '4' }), NOW)).toEqual({
      usageMonth: '2026-11',
      reservedMicros: 1_000_001,
      unitPriceMicros: 250_000,
    });
  });

  it('returns the stored reservation when the video item holds one', () => {
    const video = aVideo({ estimatedMicros: 400_000, seconds: '4' });

    expect(reservationOf(video, { usageMonth: '2026-10', reservedMicros: 400_000, unitPriceMicros: 99 })).toEqual({
      held: true,
      month: '2026-10',
      micros: 400_000,
      unitPriceMicros: 99,
    });
  });

  it('returns no held reservation, in the month of creation, when the video was written before reservations', () => {
    const video = aVideo({ estimatedMicros: 400_000, seconds: '4', createdAt: Date.UTC(2025, 0, 31) / 1000 });

    expect(reservationOf(video, {})).toEqual({ held: false, month: '2025-01', micros: 0, unitPriceMicros: 100_000 });
  });

  it('returns charge for an unsettled video, already_charged for a completed one, provider cost for a given-up one', () => {
    expect(chargeDecision(aVideo({ status: 'storing' }), { settledAt: undefined })).toBe('charge');
    expect(chargeDecision(aVideo({ status: 'completed' }), { settledAt: 100 })).toBe('already_charged');
    expect(chargeDecision(aVideo({ status: 'cancelled' }), { settledAt: 100 })).toBe('record_provider_cost');
    expect(chargeDecision(aVideo({ status: 'failed' }), { settledAt: undefined })).toBe('record_provider_cost');
    // Released while still running (e.g. by the reconciler) and then completed by a late step.
    expect(chargeDecision(aVideo({ status: 'in_progress' }), { settledAt: 100 })).toBe('record_provider_cost');
  });

  it('returns the charge, the reservation given back and the video counted when a video is charged', () => {
    const video = aVideo({ estimatedMicros: 400_000, seconds: '8' });
    const reservation = { held: true, month: '2026-11', micros: 400_000, unitPriceMicros: 50_000 };

    expect(chargeUsage(video, reservation, 7)).toEqual({
      chargedMicros: 400_000,
      reservedMicros: -400_000,
      committedMicros: 0,
      videos: 1,
      seconds: 8,
      awsCostMicros: 7,
    });
  });

  it('returns the video completed, charged its estimate and without error after a charge', () => {
    const video = aVideo({ status: 'storing', error: { code: 'x', message: 'y' } });

    expect(chargedVideo(video, { content: CONTENT, completedAt: 3_000 })).toEqual({
      ...video,
      status: 'completed',
      progress: 100,
      completedAt: 3_000,
      updatedAt: 3_000,
      content: CONTENT,
      chargedMicros: video.estimatedMicros,
      error: null,
    });
  });

  it('returns no release plan when the video is completed or already settled', () => {
    expect(releasePlan(aVideo({ status: 'completed' }), undefined, FAILED)).toBeUndefined();
    expect(releasePlan(aVideo({ status: 'failed' }), 100, FAILED)).toBeUndefined();
  });

  it('returns the outcome applied, charged 0, when a running video is released', () => {
    const video = aVideo({ status: 'in_progress' });

    expect(releasePlan(video, undefined, FAILED)).toEqual({
      after: { ...video, status: 'failed', chargedMicros: 0, updatedAt: 2_000, error: FAILED.error },
      alreadyTerminal: false,
      providerBilled: false,
      heldCancel: false,
    });
  });

  it('returns the status kept when another path already made the video terminal without releasing it', () => {
    const video = aVideo({ status: 'cancelled' });

    expect(releasePlan(video, undefined, FAILED)).toEqual({
      after: { ...video, chargedMicros: 0 },
      alreadyTerminal: true,
      providerBilled: false,
      heldCancel: false,
    });
  });

  it('returns the provider billed when a video is released while it is being stored', () => {
    const plan = releasePlan(aVideo({ status: 'storing' }), undefined, { status: 'cancelled', now: 2_000 });

    expect(plan).toMatchObject({ providerBilled: true, after: { status: 'cancelled', error: null } });
  });

  it('returns release for a video the provider has not accepted, hold once it has, terminal when it has ended', () => {
    expect(cancelDecision(aVideo({ status: 'queued', providerVideoId: null }))).toBe('release');
    expect(cancelDecision(aVideo({ status: 'queued', providerVideoId: 'video_1' }))).toBe('hold');
    expect(cancelDecision(aVideo({ status: 'storing', providerVideoId: 'video_1' }))).toBe('hold');
    expect(cancelDecision(aVideo({ status: 'completed', providerVideoId: 'video_1' }))).toBe('terminal');
    expect(cancelDecision(aVideo({ status: 'cancelled', providerVideoId: null }))).toBe('terminal');
  });

  it('returns hold when a create attempt is recorded and unresolved, even without a provider job id', () => {
    const inFlight = aVideo({ status: 'queued', providerVideoId: null, providerCreateAttempts: 1 });
    const retryAfterLostAnswer = { ...inFlight, providerCreateAttempts: 2, providerCreateResolvedAttempts: 1 };

    expect(cancelDecision(inFlight)).toBe('hold');
    expect(cancelDecision(retryAfterLostAnswer)).toBe('hold');
  });

  it('returns release when no create was attempted, or every attempt was resolved as refused or failed', () => {
    const never = aVideo({ status: 'queued', providerVideoId: null, providerCreateAttempts: 0 });
    const refused = { ...never, providerCreateAttempts: 1, providerCreateResolvedAttempts: 1 };
    const refusedTwice = { ...never, providerCreateAttempts: 2, providerCreateResolvedAttempts: 2 };

    expect(cancelDecision(never)).toBe('release');
    expect(cancelDecision(refused)).toBe('release');
    expect(cancelDecision(refusedTwice)).toBe('release');
  });

  it('returns charge_cancelled for a held cancel, already_charged once it is charged, provider cost once released', () => {
    const held = aVideo({ status: 'cancelled' });

    expect(chargeDecision(held, { cancelHeldAt: 50 })).toBe('charge_cancelled');
    expect(chargeDecision(held, { cancelHeldAt: 50, settledAt: 60, settlement: 'charged' })).toBe('already_charged');
    expect(chargeDecision(held, { cancelHeldAt: 50, settledAt: 60, settlement: 'released' })).toBe(
      'record_provider_cost',
    );
  });

  it('returns no release plan for a held cancel unless the release settles it, then charged 0 and flagged', () => {
    const held = aVideo({ status: 'cancelled' });

    expect(releasePlan(held, undefined, FAILED, 50)).toBeUndefined();
    expect(releasePlan(held, undefined, { status: 'cancelled', now: 2_000 }, 50)).toBeUndefined();
    expect(
      releasePlan(held, undefined, { status: 'cancelled', now: 2_000, settlesHeldCancel: 'provider_ended' }, 50),
    ).toEqual({ after: { ...held, chargedMicros: 0 }, alreadyTerminal: true, providerBilled: false, heldCancel: true });
    expect(
      releasePlan(held, 60, { status: 'cancelled', now: 2_000, settlesHeldCancel: 'gave_up' }, 50),
    ).toBeUndefined();
  });

  it('returns the video cancelled with charged_micros null when held, and its price once charged', () => {
    const video = aVideo({ status: 'in_progress', estimatedMicros: 400_000, chargedMicros: null });

    expect(heldCancelVideo(video, 2_000)).toEqual({
      ...video,
      status: 'cancelled',
      chargedMicros: null,
      updatedAt: 2_000,
    });
    expect(cancelledChargedVideo(heldCancelVideo(video, 2_000), 3_000)).toMatchObject({
      status: 'cancelled',
      chargedMicros: 400_000,
      updatedAt: 3_000,
    });
  });

  it("returns a charge also counted as a cancelled video's charge when a held cancel is charged", () => {
    const video = aVideo({ estimatedMicros: 400_000, seconds: '4' });
    const reservation = { held: true, month: '2026-11', micros: 400_000, unitPriceMicros: 100_000 };

    expect(cancelledChargeUsage(video, reservation, 3)).toEqual({
      chargedMicros: 400_000,
      reservedMicros: -400_000,
      committedMicros: 0,
      videos: 1,
      seconds: 4,
      awsCostMicros: 3,
      cancelledChargedMicros: 400_000,
      cancelledVideos: 1,
    });
  });

  it('returns the reservation given back, and the provider cost only when the provider billed, after a release', () => {
    const video = aVideo({ estimatedMicros: 400_000 });
    const reservation = { held: true, month: '2026-11', micros: 400_000, unitPriceMicros: 100_000 };

    expect(releaseUsage(video, reservation, 5, false)).toEqual({
      reservedMicros: -400_000,
      committedMicros: -400_000,
      awsCostMicros: 5,
    });
    expect(releaseUsage(video, reservation, 5, true)).toMatchObject({ providerCostMicros: 400_000 });
  });
});

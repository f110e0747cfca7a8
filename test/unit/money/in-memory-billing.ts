import type { Charger } from '../../../shared/money/charge';
import {
  cancelDecision,
  heldCancelVideo,
  type ReleaseOutcome,
  type SettlementResult,
} from '../../../shared/money/decisions';
import {
  type ClaimedKey,
  IDEMPOTENCY_GUARD_SECONDS,
  type IdempotencyGuards,
  IdempotencyKeyClaimedError,
  isClaimLive,
  type ReservationGuard,
} from '../../../shared/money/idempotency-guard';
import type { CancelResult, ReservationReleaser, VideoCanceller } from '../../../shared/money/release';
import type { Reservations } from '../../../shared/money/reserve';
import type { CompletionUpdate } from '../../../shared/video/store';
import { isTerminal, unixSeconds, type VideoRecord } from '../../../shared/video/video';
import type { InMemoryVideoRepository } from '../fakes/fakes';

/**
 * Money moves over an in-memory video repository, with DynamoBilling's outcomes (applied / not applied) for logic
 * tests; the transactions themselves are tested against DynamoDB Local (billing.test.ts). Records what it did.
 */
export class InMemoryBilling implements Reservations, ReservationReleaser, VideoCanceller, Charger, IdempotencyGuards {
  readonly reserved = new Map<string, number>();
  /** Idempotency-Key claims written by reserve(), by `{userId}#{key}`. */
  readonly claims = new Map<string, ClaimedKey>();
  readonly charged = new Map<string, number>();
  readonly released = new Set<string>();
  /** Videos cancelled after the provider accepted their job: reservation held, active slot freed. */
  readonly held = new Set<string>();
  /** The next reserve() throws this (e.g. a BudgetExceededError), once. */
  reserveError: Error | undefined;

  constructor(readonly videos: InMemoryVideoRepository) {}

  async reserve(video: VideoRecord, now: Date, guard?: ReservationGuard): Promise<void> {
    if (this.reserveError !== undefined) {
      const error = this.reserveError;
      this.reserveError = undefined;
      throw error;
    }
    const claim = guard === undefined ? undefined : this.claims.get(`${video.userId}#${guard.key}`);
    if (claim !== undefined && isClaimLive(claim, now)) throw new IdempotencyKeyClaimedError();
    if (this.videos.videos.has(video.videoId)) throw new Error(`Video ${video.videoId} already exists`);
    this.videos.videos.set(video.videoId, structuredClone(video));
    this.reserved.set(video.videoId, video.estimatedMicros);
    if (guard !== undefined) {
      const createdAt = unixSeconds(now);
      this.claims.set(`${video.userId}#${guard.key}`, {
        userId: video.userId,
        videoId: video.videoId,
        requestHash: guard.requestHash,
        createdAt,
        expiresAt: createdAt + IDEMPOTENCY_GUARD_SECONDS,
      });
    }
  }

  /** Limits are not modelled here: the pre-check passes (it is tested against DynamoDB Local). */
  async precheck(): Promise<void> {}

  async find(userId: string, key: string): Promise<ClaimedKey | undefined> {
    const claim = this.claims.get(`${userId}#${key}`);
    return claim === undefined ? undefined : { ...claim };
  }

  async drop(userId: string, key: string, videoId: string): Promise<void> {
    const claim = this.claims.get(`${userId}#${key}`);
    if (claim?.videoId === videoId) claim.expiresAt = 0;
  }

  async charge(videoId: string, update: CompletionUpdate): Promise<SettlementResult> {
    const found = this.videos.videos.get(videoId);
    if (found !== undefined && isTerminal(found.status) && found.status !== 'completed') {
      return { applied: false, video: structuredClone(found), providerCostRecorded: true };
    }
    if (found === undefined) return { applied: false, video: undefined };
    if (isTerminal(found.status)) return { applied: false, video: structuredClone(found) };
    Object.assign(found, {
      status: 'completed',
      progress: 100,
      completedAt: update.completedAt,
      updatedAt: update.completedAt,
      content: structuredClone(update.content),
      chargedMicros: found.estimatedMicros,
      error: null,
    });
    this.charged.set(videoId, found.estimatedMicros);
    return { applied: true, video: structuredClone(found) };
  }

  async release(videoId: string, outcome: ReleaseOutcome): Promise<SettlementResult> {
    if (this.released.has(videoId)) return { applied: false, video: structuredClone(this.videos.videos.get(videoId)) };
    const found = this.videos.videos.get(videoId);
    if (found === undefined || found.status === 'completed') return { applied: false, video: structuredClone(found) };
    if (!isTerminal(found.status)) {
      Object.assign(found, {
        status: outcome.status,
        chargedMicros: 0,
        updatedAt: outcome.now,
        ...(outcome.status === 'failed' ? { error: outcome.error } : {}),
      });
    }
    this.released.add(videoId);
    return { applied: true, video: structuredClone(this.videos.videos.get(videoId)) };
  }

  async cancel(videoId: string, now: number): Promise<CancelResult> {
    const found = this.videos.videos.get(videoId);
    if (found === undefined) return { applied: false, video: undefined, held: false };
    const decision = cancelDecision(found);
    if (decision === 'terminal') return { applied: false, video: structuredClone(found), held: false };
    if (decision === 'release') return { ...(await this.release(videoId, { status: 'cancelled', now })), held: false };
    Object.assign(found, heldCancelVideo(found, now));
    this.held.add(videoId);
    return { applied: true, video: structuredClone(found), held: true };
  }
}

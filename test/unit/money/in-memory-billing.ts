import type {
  Charger,
  ReleaseOutcome,
  ReservationReleaser,
  Reservations,
  SettlementResult,
} from '../../../shared/money/billing';
import type { CompletionUpdate } from '../../../shared/repositories/video-repository';
import { isTerminal, type VideoRecord } from '../../../shared/video';
import type { InMemoryVideoRepository } from '../fakes/fakes';

/**
 * Money moves over an in-memory video repository, with DynamoBilling's outcomes (applied / not applied) for logic
 * tests; the transactions themselves are tested against DynamoDB Local (billing.test.ts). Records what it did.
 */
export class InMemoryBilling implements Reservations, ReservationReleaser, Charger {
  readonly reserved = new Map<string, number>();
  readonly charged = new Map<string, number>();
  readonly released = new Set<string>();
  /** The next reserve() throws this (e.g. a BudgetExceededError), once. */
  reserveError: Error | undefined;

  constructor(readonly videos: InMemoryVideoRepository) {}

  async reserve(video: VideoRecord): Promise<void> {
    if (this.reserveError !== undefined) {
      const error = this.reserveError;
      this.reserveError = undefined;
      throw error;
    }
    await this.videos.create(video);
    this.reserved.set(video.videoId, video.estimatedMicros);
  }

  async charge(videoId: string, update: CompletionUpdate): Promise<SettlementResult> {
    const found = this.videos.videos.get(videoId);
    if (found !== undefined && isTerminal(found.status) && found.status !== 'completed') {
      return { applied: false, video: structuredClone(found), providerCostRecorded: true };
    }
    const result = await this.videos.recordCompletion(videoId, update);
    if (result.applied) this.charged.set(videoId, result.video?.chargedMicros ?? 0);
    return result;
  }

  async release(videoId: string, outcome: ReleaseOutcome): Promise<SettlementResult> {
    if (this.released.has(videoId)) return { applied: false, video: structuredClone(this.videos.videos.get(videoId)) };
    const found = this.videos.videos.get(videoId);
    if (found === undefined || found.status === 'completed') return { applied: false, video: structuredClone(found) };
    if (!isTerminal(found.status)) {
      if (outcome.status === 'failed') {
        await this.videos.recordFailure(videoId, { error: outcome.error, now: outcome.now });
      } else {
        Object.assign(found, { status: 'cancelled', chargedMicros: 0, updatedAt: outcome.now });
      }
    }
    this.released.add(videoId);
    return { applied: true, video: structuredClone(this.videos.videos.get(videoId)) };
  }
}

import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CompletionUpdate } from '../video/store';
import type { VideoRecord } from '../video/video';
import { type CancelledCharger, type Charger, DynamoCharger } from './charge';
import type { ReleaseOutcome, SettlementResult } from './decisions';
import type { ReservationGuard } from './idempotency-guard';
import { DynamoLimitsStore, type LimitsStore } from './limits';
import { DynamoProviderCosts, type ProviderCostRecorder } from './provider-cost';
import {
  type CancelResult,
  DynamoReleaser,
  type HeldCancelJobRecorder,
  type ReservationReleaser,
  type VideoCanceller,
} from './release';
import { DynamoReservations, type Reservations } from './reserve';
import type { BillingOptions } from './transaction-items';
import type { UserLimits } from './user-limits';

/**
 * Every money move of the table as one object, for callers that need more than one: admission reserves and, when
 * the pipeline cannot start, releases; the reconciler releases, settles held cancels and records provider costs. A caller that needs one
 * move takes its own piece (reserve.ts, charge.ts, release.ts, provider-cost.ts).
 */
export class DynamoBilling
  implements
    Reservations,
    ReservationReleaser,
    Charger,
    CancelledCharger,
    VideoCanceller,
    HeldCancelJobRecorder,
    ProviderCostRecorder
{
  private readonly reservations: DynamoReservations | undefined;
  private readonly charger: DynamoCharger;
  private readonly releaser: DynamoReleaser;
  private readonly providerCosts: DynamoProviderCosts;

  constructor(
    client: DynamoDBDocumentClient,
    tableName: string,
    /** Needed by reserve() only: callers that only settle leave it out. */
    limits?: Pick<LimitsStore, 'effective'>,
    options: BillingOptions = {},
  ) {
    this.reservations = limits === undefined ? undefined : new DynamoReservations(client, tableName, limits, options);
    this.charger = new DynamoCharger(client, tableName, options);
    this.releaser = new DynamoReleaser(client, tableName, options);
    this.providerCosts = new DynamoProviderCosts(client, tableName, options);
  }

  async reserve(video: VideoRecord, now: Date, guard?: ReservationGuard): Promise<void> {
    if (this.reservations === undefined) throw new Error('DynamoBilling.reserve needs a limits store');
    return this.reservations.reserve(video, now, guard);
  }

  async precheck(video: Pick<VideoRecord, 'userId' | 'estimatedMicros'>, now: Date): Promise<void> {
    if (this.reservations === undefined) throw new Error('DynamoBilling.precheck needs a limits store');
    return this.reservations.precheck(video, now);
  }

  charge(videoId: string, update: CompletionUpdate): Promise<SettlementResult> {
    return this.charger.charge(videoId, update);
  }

  chargeCancelled(videoId: string, now: number): Promise<SettlementResult> {
    return this.charger.chargeCancelled(videoId, now);
  }

  release(videoId: string, outcome: ReleaseOutcome): Promise<SettlementResult> {
    return this.releaser.release(videoId, outcome);
  }

  cancel(videoId: string, now: number): Promise<CancelResult> {
    return this.releaser.cancel(videoId, now);
  }

  recordHeldCancelJob(videoId: string, providerVideoId: string, now: number): Promise<boolean> {
    return this.releaser.recordHeldCancelJob(videoId, providerVideoId, now);
  }

  recordProviderCostOf(videoId: string, now: number, providerVideoId?: string): Promise<boolean> {
    return this.providerCosts.recordProviderCostOf(videoId, now, providerVideoId);
  }
}

/** The billing admission wires: the table's money moves, with limits from the LIMITS items over `defaults`. */
export function dynamoBilling(
  client: DynamoDBDocumentClient,
  tableName: string,
  defaults: UserLimits,
  options: BillingOptions = {},
): DynamoBilling {
  return new DynamoBilling(client, tableName, new DynamoLimitsStore(client, tableName, defaults), options);
}

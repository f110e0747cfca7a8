import type { CancelledCharger } from '../../shared/money/charge';
import type { ProviderCostRecorder } from '../../shared/money/provider-cost';
import type { ReconcileQueue, ReconcileWorkItem } from '../../shared/money/reconciliation';
import type { HeldCancelJobRecorder, ReservationReleaser } from '../../shared/money/release';
import type { AppLogger, AppMetrics } from '../../shared/observability/powertools';
import type { ProviderGate } from '../../shared/provider/gate/provider-gate';
import type { ProviderAdapter } from '../../shared/provider/port';
import type { VideoRepository } from '../../shared/video/store';

export interface ReconcileWorkItemsOptions {
  /** How long after reelflow gave up on a job the provider is still asked how it ended. */
  lookbackSeconds: number;
  /** The most work items one run looks at. */
  maxItems: number;
  /** An item whose handling failed this many times is abandoned (logged). @default MAX_ITEM_FAILURES */
  maxItemFailures?: number;
  /** An orphaned job may be this many seconds older than the video's first create attempt. @default 120 */
  adoptionSkewSeconds?: number;
  /**
   * The admission gate's slot lease (PROVIDER_SLOT_LEASE_SECONDS): a held cancel whose job still runs is looked at
   * again within half of it, renewing the job's slot, so the slot stays taken while the job runs.
   */
  slotLeaseSeconds: number;
}

export interface ReconcileWorkItemsDeps {
  queue: ReconcileQueue;
  /**
   * The provider behind the admission gate: every request takes a token (none: a 429, the run stops). Its
   * capabilities say what the kinds may ask: `list` (orphan searches), `cancel` and `delete` (stop requests, deleting
   * a deleted video's copy).
   */
  provider: Pick<ProviderAdapter, 'retrieve' | 'list' | 'cancel' | 'delete' | 'capabilities'>;
  /**
   * The admission gate's job slots: a cancelled video's execution is stopped with its job maybe still running at
   * the provider, so its slot follows the job's outcome here (renewed while it runs, freed once it ended).
   */
  slots: Pick<ProviderGate, 'renewSlot' | 'releaseSlot'>;
  /**
   * Records, once, a provider cost the user is not charged for; releases a video whose deadline watch is due;
   * settles held cancels (charged when the provider billed, released otherwise) and records the job an orphan search
   * found for one (money module).
   */
  costs: ProviderCostRecorder & ReservationReleaser & CancelledCharger & HeldCancelJobRecorder;
  /** The video of an orphan search, and the claim of the job it finds; a deleted video's record. */
  videos: Pick<VideoRepository, 'get' | 'claimProviderJob' | 'videosAskingForJob'>;
  clock: () => Date;
  logger: Pick<AppLogger, 'info' | 'warn' | 'error'>;
  metrics: AppMetrics;
  options: ReconcileWorkItemsOptions;
}

export interface ReconcileWorkItemsInput {
  /** Epoch ms after which no new work item is started (the invocation's end, less one provider request). */
  stopStartingAt: number;
}

/** What one run did. */
export interface ReconcileSummary {
  /** Jobs the provider completed: their cost is recorded (now or by an earlier path). */
  completed: number;
  /** Of those, the provider costs this run recorded. */
  recorded: number;
  /** Jobs the provider ended `failed`: nothing was billed. */
  failed: number;
  /** Jobs still running, to be looked at again later. */
  rescheduled: number;
  /** Jobs no longer followed: past the lookback window, or unknown to the provider. */
  abandoned: number;
  /** Items left as they are because the provider could not answer now. */
  deferred: number;
  /** Items whose handling failed unexpectedly: logged and looked at again later (or abandoned, counted there). */
  errored: number;
  /** Orphan searches that found no provider job within the orphan search window (orphan-search.ts): nothing to bill. */
  noJob: number;
  /** Deadline watches that found their video unsettled and released it as failed `timed_out`. */
  deadlineReleased: number;
  /** Deadline watches of videos already settled: removed. */
  deadlineCleared: number;
  /** Held cancels whose job the provider finished (billed): charged their price. */
  cancelCharged: number;
  /** Held cancels whose job failed or was deleted before completing: released at 0. */
  cancelReleased: number;
  /** Held cancels given up on (no outcome within the window, or the deadline watch fell due): released at 0. */
  cancelGaveUp: number;
  /** Provider copies of deleted videos deleted (or found gone already). */
  providerCopyDeleted: number;
  /** Provider copies of deleted videos left for later: the job still running, or its money not settled yet. */
  providerCopyWaiting: number;
}

/** What handling one work item came to: the summary counter it adds to. */
export interface ItemResult {
  outcome: Exclude<keyof ReconcileSummary, 'recorded'>;
  /** This run recorded the provider cost. */
  recorded?: boolean;
  /** The provider answered 429: the run stops. */
  rateLimited?: boolean;
}

/** The ids a log line about `item` carries. */
export function itemKeys(
  item: ReconcileWorkItem,
  providerVideoId: string | null = item.providerVideoId,
): { videoId: string; userId: string; providerVideoId: string | null } {
  return { videoId: item.videoId, userId: item.userId, providerVideoId };
}

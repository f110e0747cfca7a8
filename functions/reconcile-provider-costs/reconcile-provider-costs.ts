import { PermanentProviderError, RetryableProviderError } from '../../shared/errors';
import type { CancelledCharger } from '../../shared/money/charge';
import type { ProviderCostRecorder } from '../../shared/money/provider-cost';
import type { ReconcileQueue, ReconcileWorkItem } from '../../shared/money/reconciliation';
import type { ReservationReleaser } from '../../shared/money/release';
import { failureOf } from '../../shared/pipeline/failure';
import { claimOrphanedJob } from '../../shared/pipeline/orphaned-job';
import type { AppLogger, AppMetrics } from '../../shared/powertools';
import type { ProviderVideo, VideoProvider } from '../../shared/provider/provider-client';
import type { ProviderGate } from '../../shared/provider-gate/provider-gate';
import type { VideoRepository } from '../../shared/repositories/video-repository';
import { unixSeconds } from '../../shared/video';
import { type EraseUserDataDeps, eraseUserData } from './erase-user-data';

export interface ReconcileProviderCostsOptions {
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
   * again within half of it, renewing the job's slot, so the slot stays taken while the job runs. @default 900
   */
  slotLeaseSeconds?: number;
}

export interface ReconcileProviderCostsDeps {
  queue: ReconcileQueue;
  /** The provider behind the admission gate: every request takes a token (none: a 429, the run stops). */
  provider: Pick<VideoProvider, 'retrieve' | 'list' | 'delete'>;
  /**
   * The admission gate's job slots: a cancelled video's execution is stopped with its job maybe still running at
   * the provider, so its slot follows the job's outcome here (renewed while it runs, freed once it ended).
   */
  slots: Pick<ProviderGate, 'renewSlot' | 'releaseSlot'>;
  /**
   * Records, once, a provider cost the user is not charged for; releases a video whose deadline watch is due;
   * settles held cancels (charged when the provider billed, released otherwise) (money module).
   */
  costs: ProviderCostRecorder & ReservationReleaser & CancelledCharger;
  /** The video of an orphan search, and the claim of the job it finds; a deleted video's record. */
  videos: Pick<VideoRepository, 'get' | 'claimProviderJob'>;
  /**
   * What a `user_erasure` work item needs (the bucket, the idempotency records, the pipeline, ...); without it such an
   * item fails (and is retried with backoff).
   */
  erasure?: Omit<EraseUserDataDeps, 'clock' | 'logger' | 'metrics'>;
  clock: () => Date;
  logger: Pick<AppLogger, 'info' | 'warn' | 'error'>;
  metrics: AppMetrics;
  options: ReconcileProviderCostsOptions;
}

export interface ReconcileProviderCostsInput {
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
  /** Orphan searches that found no provider job within {@link ORPHAN_SEARCH_WINDOW_SECONDS}: nothing to bill. */
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
  /** User erasures completed. */
  erasureCompleted: number;
  /** User erasures that did part of their work and continue on a later run. */
  erasureContinued: number;
}

/** How long after the release an orphan search looks for the provider job before concluding there is none. */
export const ORPHAN_SEARCH_WINDOW_SECONDS = 3600;

/** The longest wait between two looks at a job still running. */
export const MAX_RECHECK_DELAY_SECONDS = 6 * 3600;

/** How often an item may fail unexpectedly before it is abandoned (with backoff: about 4 h of retries). */
export const MAX_ITEM_FAILURES = 8;

/** The first wait after an unexpected failure; it doubles with each further failure. */
export const FIRST_FAILURE_DELAY_SECONDS = 60;

/**
 * When to look again at an item whose handling failed for the `failures`-th time: 1 min, 2 min, 4 min ... at most
 * {@link MAX_RECHECK_DELAY_SECONDS}, never past the lookback window.
 */
export function failureDueAt(item: ReconcileWorkItem, failures: number, now: number, lookbackSeconds: number): number {
  const delay = Math.min(MAX_RECHECK_DELAY_SECONDS, FIRST_FAILURE_DELAY_SECONDS * 2 ** Math.max(0, failures - 1));
  return Math.min(now + delay, item.givenUpAt + lookbackSeconds);
}

/**
 * When to look at a job still running again: after as long as it has been followed so far (so the looks thin out
 * geometrically), at least a second and at most {@link MAX_RECHECK_DELAY_SECONDS}, never past the lookback window.
 */
export function nextDueAt(item: ReconcileWorkItem, now: number, lookbackSeconds: number): number {
  const delay = Math.min(MAX_RECHECK_DELAY_SECONDS, Math.max(1, now - item.givenUpAt));
  return Math.min(now + delay, item.givenUpAt + lookbackSeconds);
}

/**
 * ReconcileProviderCosts (scheduled): for every due work item (a provider job reelflow gave up on), asks the
 * provider how the job ended. `completed` → its cost is recorded for finance once (never charged to the user) and
 * the item removed; `failed` → the item removed (nothing billed); still running → looked at again later, until
 * the lookback window ends (then removed and logged). A provider 429/5xx leaves the item for the next run; a 429
 * ends this run. An orphan search (a video that ended before its job id was saved) first finds and claims the
 * job among the provider's recent ones, then follows it the same way. A due deadline watch releases a video still
 * unsettled as failed `timed_out` (shared/money/reconciliation.ts). Any other error is the item's alone: it is
 * logged and the item looked at again with backoff (abandoned, logged, after `maxItemFailures` failures or past
 * the lookback window), and the run goes on.
 */
export async function reconcileProviderCosts(
  input: ReconcileProviderCostsInput,
  deps: ReconcileProviderCostsDeps,
): Promise<ReconcileSummary> {
  const summary: ReconcileSummary = {
    completed: 0,
    recorded: 0,
    failed: 0,
    rescheduled: 0,
    abandoned: 0,
    deferred: 0,
    errored: 0,
    noJob: 0,
    deadlineReleased: 0,
    deadlineCleared: 0,
    cancelCharged: 0,
    cancelReleased: 0,
    cancelGaveUp: 0,
    providerCopyDeleted: 0,
    providerCopyWaiting: 0,
    erasureCompleted: 0,
    erasureContinued: 0,
  };
  const items = await deps.queue.due(unixSeconds(deps.clock()), deps.options.maxItems);
  for (const item of items) {
    if (deps.clock().getTime() >= input.stopStartingAt) break;
    const {
      outcome,
      recorded = false,
      rateLimited = false,
    } = await reconcileOne(item, input, deps).catch((error: unknown) => afterItemError(item, error, deps));
    summary[outcome]++;
    if (recorded) summary.recorded++;
    if (rateLimited) break;
  }
  for (const [name, value] of Object.entries(summary)) {
    if (value > 0) deps.metrics.addMetric(`ProviderCostReconcile${capitalized(name)}`, 'Count', value);
  }
  if (items.length > 0) deps.logger.info('Provider cost reconciliation run', { due: items.length, ...summary });
  return summary;
}

interface ItemResult {
  outcome: Exclude<keyof ReconcileSummary, 'recorded'>;
  /** This run recorded the provider cost. */
  recorded?: boolean;
  /** The provider answered 429: the run stops. */
  rateLimited?: boolean;
}

async function reconcileOne(
  found: ReconcileWorkItem,
  input: ReconcileProviderCostsInput,
  deps: ReconcileProviderCostsDeps,
): Promise<ItemResult> {
  if (found.kind === 'deadline') return reconcileDeadline(found, deps);
  if (found.kind === 'cancel_settlement') return settleHeldCancel(found, deps);
  if (found.kind === 'provider_delete') return deleteProviderCopy(found, deps);
  if (found.kind === 'user_erasure') return eraseUser(found, input, deps);
  let item = found;
  let status: ProviderVideo['status'];
  if (item.providerVideoId === null) {
    const search = await searchOrphanedJob(item, deps);
    if (search.result !== undefined) return search.result;
    item = { ...item, providerVideoId: search.job.id };
    status = search.job.status;
  } else {
    const answer = await retrieveStatus(item, item.providerVideoId, deps);
    if (answer.result !== undefined) return answer.result;
    status = answer.status;
  }
  const providerVideoId = item.providerVideoId;
  const keys = { videoId: item.videoId, userId: item.userId, providerVideoId };

  const now = unixSeconds(deps.clock());
  switch (status) {
    case 'completed': {
      // Idempotent: a cost recorded earlier (by this reconciler or a late completion) is not written again.
      const recorded = await deps.costs.recordProviderCostOf(item.videoId, now, providerVideoId ?? undefined);
      await deps.queue.remove(item);
      deps.logger.info('Provider finished a job reelflow gave up on; provider cost recorded, user not charged', {
        ...keys,
        reason: item.reason,
        recordedNow: recorded,
      });
      return { outcome: 'completed', recorded };
    }
    case 'failed':
      await deps.queue.remove(item);
      deps.logger.info('Provider job given up on ended failed; nothing billed', keys);
      return { outcome: 'failed' };
    default: {
      const deadline = item.givenUpAt + deps.options.lookbackSeconds;
      if (now >= deadline) {
        await deps.queue.remove(item);
        deps.logger.warn('Provider job still unfinished after the lookback window; no longer followed', {
          ...keys,
          status,
          givenUpAt: item.givenUpAt,
          checks: item.checks,
        });
        return { outcome: 'abandoned' };
      }
      // False when another run moved or removed it meanwhile: nothing to do then.
      await deps.queue.reschedule(item, nextDueAt(item, now, deps.options.lookbackSeconds));
      return { outcome: 'rescheduled' };
    }
  }
}

/**
 * An item whose handling threw: logged, then looked at again with backoff, or abandoned once it failed
 * `maxItemFailures` times or its lookback window is over. Never throws: one bad item must not stop the queue.
 */
async function afterItemError(
  item: ReconcileWorkItem,
  error: unknown,
  deps: ReconcileProviderCostsDeps,
): Promise<ItemResult> {
  const failures = (item.failures ?? 0) + 1;
  const now = unixSeconds(deps.clock());
  const { lookbackSeconds, maxItemFailures = MAX_ITEM_FAILURES } = deps.options;
  const keys = { videoId: item.videoId, userId: item.userId, providerVideoId: item.providerVideoId, failures };
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  try {
    if (failures >= maxItemFailures || now >= item.givenUpAt + lookbackSeconds) {
      if (item.kind === 'cancel_settlement') {
        await giveUpHeldCancel(item, deps, { why: 'failed too often', error: reason });
        return { outcome: 'cancelGaveUp' };
      }
      await deps.queue.remove(item);
      deps.logger.error('Reconcile work item failed too often; abandoned, its provider cost is unknown', {
        ...keys,
        error: reason,
      });
      return { outcome: 'abandoned' };
    }
    const dueAt = failureDueAt(item, failures, now, lookbackSeconds);
    await deps.queue.reschedule(item, dueAt, 'failure');
    deps.logger.error('Reconcile work item failed; looked at again later', { ...keys, dueAt, error: reason });
  } catch (writeError) {
    // The item stays where it is; the next run meets it again (and counts it again only when it can write).
    deps.logger.error('Reconcile work item failed and could not be moved', {
      ...keys,
      error: reason,
      writeError: writeError instanceof Error ? writeError.message : String(writeError),
    });
  }
  return { outcome: 'errored' };
}

/** Asks the provider how a job stands; a `result` when the item is settled by the answer (or its absence). */
async function retrieveStatus(
  item: ReconcileWorkItem,
  providerVideoId: string,
  deps: ReconcileProviderCostsDeps,
): Promise<{ status: ProviderVideo['status']; result?: undefined } | { result: ItemResult }> {
  const keys = { videoId: item.videoId, userId: item.userId, providerVideoId };
  try {
    return { status: (await deps.provider.retrieve(providerVideoId)).status };
  } catch (error) {
    if (error instanceof RetryableProviderError) {
      deps.logger.warn('Provider unavailable; job left for the next run', { ...keys, error: error.message });
      return { result: { outcome: 'deferred', rateLimited: error.rateLimited } };
    }
    if (error instanceof PermanentProviderError && statusOf(error.cause) === 404) {
      await deps.queue.remove(item);
      if (typeof (await deps.videos.get(item.videoId))?.deletedAt === 'number') {
        // The video was deleted and its provider copy with it: that deletion recorded the cost of a completed job.
        deps.logger.info('Provider copy of a deleted video is gone; no longer followed', keys);
        return { result: { outcome: 'providerCopyDeleted' } };
      }
      deps.logger.error('Provider no longer knows a job reelflow gave up on; its cost is unknown', keys);
      return { result: { outcome: 'abandoned' } };
    }
    throw error;
  }
}

/**
 * The job of a video released after a create attempt but before its job id was saved: found among the provider's
 * recent jobs and claimed for the video (create-generation-job's own matching), or looked for again later, until
 * {@link ORPHAN_SEARCH_WINDOW_SECONDS} say there is none.
 */
async function searchOrphanedJob(
  item: ReconcileWorkItem,
  deps: ReconcileProviderCostsDeps,
): Promise<{ job: ProviderVideo; result?: undefined } | { result: ItemResult }> {
  const keys = { videoId: item.videoId, userId: item.userId };
  const video = await deps.videos.get(item.videoId);
  if (video === undefined) {
    await deps.queue.remove(item);
    deps.logger.error('Video of an orphan search is gone; its provider cost is unknown', keys);
    return { result: { outcome: 'abandoned' } };
  }
  let search: Awaited<ReturnType<typeof claimOrphanedJob>>;
  try {
    search = await claimOrphanedJob(video, {
      provider: deps.provider,
      videos: deps.videos,
      clock: deps.clock,
      adoptionSkewSeconds: deps.options.adoptionSkewSeconds ?? 120,
    });
  } catch (error) {
    if (!(error instanceof RetryableProviderError)) throw error;
    deps.logger.warn('Provider unavailable; orphan search left for the next run', { ...keys, error: error.message });
    return { result: { outcome: 'deferred', rateLimited: error.rateLimited } };
  }
  if (search.job !== undefined) {
    deps.logger.info('Found the provider job of a video that ended before saving it', {
      ...keys,
      providerVideoId: search.job.id,
      status: search.job.status,
    });
    return { job: search.job };
  }
  const now = unixSeconds(deps.clock());
  if (now >= item.givenUpAt + ORPHAN_SEARCH_WINDOW_SECONDS) {
    await deps.queue.remove(item);
    deps.logger.info('No provider job found for a video that ended during a create attempt; nothing billed', {
      ...keys,
      attempts: video.providerCreateAttempts,
      scanned: search.scanned,
    });
    return { result: { outcome: 'noJob' } };
  }
  await deps.queue.reschedule(
    item,
    Math.min(nextDueAt(item, now, deps.options.lookbackSeconds), item.givenUpAt + ORPHAN_SEARCH_WINDOW_SECONDS),
  );
  return { result: { outcome: 'rescheduled' } };
}

/**
 * A due deadline watch: no execution of the video can still be running. A video still unsettled (its execution
 * timed out, RecordFailure ran out of retries, an operator stopped it) is released as failed `timed_out`; the
 * release is idempotent and writes the provider work item itself when there is a job to follow. Then the watch
 * is removed.
 */
async function reconcileDeadline(item: ReconcileWorkItem, deps: ReconcileProviderCostsDeps): Promise<ItemResult> {
  const now = unixSeconds(deps.clock());
  const result = await deps.costs.release(item.videoId, {
    status: 'failed',
    error: failureOf({ Error: 'States.Timeout' }),
    now,
  });
  if (result.awaitingProvider === true) {
    // A held cancel nobody settled by the time no execution can still run: give up on it, but leave its settlement
    // item to follow the job, which records the provider's cost for finance if it completes later.
    await giveUpHeldCancel(item, deps, { why: 'deadline watch fell due', keepFollowing: true });
    await deps.queue.remove(item);
    return { outcome: 'cancelGaveUp' };
  }
  await deps.queue.remove(item);
  if (!result.applied) return { outcome: 'deadlineCleared' };
  deps.logger.warn('Video still unsettled after its execution could have ended; released as timed_out', {
    videoId: item.videoId,
    userId: item.userId,
    status: result.video?.status ?? 'missing',
    providerVideoId: result.video?.providerVideoId ?? null,
  });
  return { outcome: 'deadlineReleased' };
}

/**
 * A held cancel (a video cancelled after the provider accepted its job, its reservation still committed): asks the
 * provider how the job stands and settles the video from that, exactly once (the money module's conditions):
 * - `completed`: the provider billed it → the user is charged its price (a `cancelled_charge` ledger entry);
 * - `failed`, or unknown to the provider (404) → released, charged 0;
 * - still running → asked to stop (`DELETE /videos/{id}`); deleted → released at 0 (it was stopped before it
 *   completed); refused (a provider that deletes only finished jobs) → looked at again later, like a provider job;
 * - no outcome (still running, or the provider unreachable) when the lookback window ends → given up on: released at
 *   0, logged as an error and counted in `CancelledSettlementGaveUp` for an alarm.
 * A settlement found done already (e.g. RecordCompletion charged it, or the deadline watch gave up on it) is not
 * repeated; a job that completes after a give-up has its cost recorded for finance instead.
 */
async function settleHeldCancel(item: ReconcileWorkItem, deps: ReconcileProviderCostsDeps): Promise<ItemResult> {
  const providerVideoId = item.providerVideoId ?? '';
  const keys = { videoId: item.videoId, userId: item.userId, providerVideoId };
  const windowEnd = item.givenUpAt + deps.options.lookbackSeconds;
  let status: ProviderVideo['status'] | 'gone';
  try {
    status = (await deps.provider.retrieve(providerVideoId)).status;
  } catch (error) {
    if (error instanceof PermanentProviderError && statusOf(error.cause) === 404) status = 'gone';
    else if (error instanceof RetryableProviderError) {
      if (unixSeconds(deps.clock()) >= windowEnd) {
        await giveUpHeldCancel(item, deps, {
          why: 'provider unreachable until the window ended',
          error: error.message,
        });
        return { outcome: 'cancelGaveUp' };
      }
      deps.logger.warn('Provider unavailable; cancelled video settled on a later run', {
        ...keys,
        error: error.message,
      });
      return { outcome: 'deferred', rateLimited: error.rateLimited };
    } else throw error;
  }

  if (status === 'queued' || status === 'in_progress') {
    const stop = await askToStop(item, providerVideoId, deps);
    if (stop === 'rate_limited') return { outcome: 'deferred', rateLimited: true };
    if (stop === 'deleted') status = 'gone';
  }

  const now = unixSeconds(deps.clock());
  // The job ended at the provider (completed, failed, deleted): its slot is free, whatever the money says.
  if (status === 'completed' || status === 'failed' || status === 'gone') await deps.slots.releaseSlot(item.videoId);
  if (status === 'completed') {
    const result = await deps.costs.chargeCancelled(item.videoId, now);
    await deps.queue.remove(item);
    deps.logger.info('Provider finished a cancelled video’s job; the user is charged its price once', {
      ...keys,
      chargedNow: result.applied,
      chargedMicros: result.video?.chargedMicros ?? null,
      providerCostRecorded: result.providerCostRecorded === true,
    });
    if (result.applied) deps.metrics.addMetric('CancelledVideosCharged', 'Count', 1);
    return { outcome: 'cancelCharged', recorded: result.providerCostRecorded === true };
  }
  if (status === 'failed' || status === 'gone') {
    const result = await deps.costs.release(item.videoId, {
      status: 'cancelled',
      now,
      settlesHeldCancel: 'provider_ended',
    });
    await deps.queue.remove(item);
    deps.logger.info('Cancelled video’s job ended at the provider before completing; released, charged 0', {
      ...keys,
      providerStatus: status,
      releasedNow: result.applied,
    });
    return { outcome: 'cancelReleased' };
  }
  if (now >= windowEnd) {
    await giveUpHeldCancel(item, deps, { why: 'job still unfinished when the window ended', providerStatus: status });
    return { outcome: 'cancelGaveUp' };
  }
  // Still running at the provider: it still takes one of the account's job slots.
  await deps.slots.renewSlot(item.videoId);
  const leaseSeconds = deps.options.slotLeaseSeconds ?? 900;
  const dueAt = Math.min(nextDueAt(item, now, deps.options.lookbackSeconds), now + Math.max(1, leaseSeconds / 2));
  await deps.queue.reschedule(item, dueAt);
  return { outcome: 'rescheduled' };
}

/**
 * Asks the provider to delete a job still running. `refused`: it would not (a provider that deletes only finished
 * jobs answers 4xx) or could not answer now; the job is followed anyway. Never throws for a provider answer.
 */
async function askToStop(
  item: ReconcileWorkItem,
  providerVideoId: string,
  deps: ReconcileProviderCostsDeps,
): Promise<'deleted' | 'refused' | 'rate_limited'> {
  const keys = { videoId: item.videoId, userId: item.userId, providerVideoId };
  try {
    await deps.provider.delete(providerVideoId);
    deps.logger.info('Provider deleted the job of a cancelled video before it completed', keys);
    return 'deleted';
  } catch (error) {
    if (error instanceof PermanentProviderError) {
      if (statusOf(error.cause) === 404) return 'deleted';
      deps.logger.info('Provider would not stop the job of a cancelled video; following it', {
        ...keys,
        providerCode: error.providerCode ?? null,
      });
      return 'refused';
    }
    if (error instanceof RetryableProviderError) {
      deps.logger.warn('Provider could not take a stop request now; following the job', {
        ...keys,
        error: error.message,
      });
      return error.rateLimited ? 'rate_limited' : 'refused';
    }
    throw error;
  }
}

/**
 * Gives up on a held cancel: released at 0 (the user is not charged for work reelflow cannot show was billed),
 * logged as an error with what is known, and counted in `CancelledSettlementGaveUp` for an alarm. The work item is
 * removed unless `keepFollowing` (then a later completion still records the job's cost for finance).
 */
async function giveUpHeldCancel(
  item: ReconcileWorkItem,
  deps: ReconcileProviderCostsDeps,
  known: { why: string; keepFollowing?: boolean; providerStatus?: string; error?: string },
): Promise<void> {
  const now = unixSeconds(deps.clock());
  const result = await deps.costs.release(item.videoId, { status: 'cancelled', now, settlesHeldCancel: 'gave_up' });
  if (known.keepFollowing !== true && item.kind === 'cancel_settlement') {
    await deps.queue.remove(item);
    // Nobody follows the job any more: its slot is not renewed either, so it is given back now.
    await deps.slots.releaseSlot(item.videoId);
  }
  if (!result.applied) return;
  deps.metrics.addMetric('CancelledSettlementGaveUp', 'Count', 1);
  deps.logger.error('Gave up waiting for the provider’s outcome of a cancelled video; released at 0', {
    videoId: item.videoId,
    userId: item.userId,
    providerVideoId: result.video?.providerVideoId ?? item.providerVideoId,
    why: known.why,
    providerStatus: known.providerStatus ?? 'unknown',
    checks: item.checks,
    cancelledAt: item.kind === 'cancel_settlement' ? item.givenUpAt : null,
    ...(known.error === undefined ? {} : { error: known.error }),
    estimatedMicros: result.video?.estimatedMicros,
  });
}

/**
 * The provider's copy of a deleted video's job (a `provider_delete` item): deleted once the job has ended and its
 * money is settled, so the deletion never changes what anyone is charged:
 * - a held cancel not settled yet waits: its settlement reads the job's outcome first (a copy deleted before would
 *   look like a job stopped before completion, released at 0);
 * - a job still running waits for its end (the work item following it, if any, records its cost); past the lookback
 *   window it is deleted anyway, which also stops it;
 * - a completed job the user was not charged for (failed or cancelled on reelflow's side) has its provider cost
 *   recorded for finance first (idempotent), as the item following it would have;
 * - gone already (404) counts as deleted. A provider that is down or refuses leaves the item for a later run; the
 *   user's delete was answered long before.
 */
async function deleteProviderCopy(item: ReconcileWorkItem, deps: ReconcileProviderCostsDeps): Promise<ItemResult> {
  const providerVideoId = item.providerVideoId ?? '';
  const keys = { videoId: item.videoId, userId: item.userId, providerVideoId };
  const now = unixSeconds(deps.clock());
  const windowOpen = now < item.givenUpAt + deps.options.lookbackSeconds;
  const wait = async (): Promise<ItemResult> => {
    await deps.queue.reschedule(item, nextDueAt(item, now, deps.options.lookbackSeconds));
    return { outcome: 'providerCopyWaiting' };
  };
  const video = await deps.videos.get(item.videoId, { consistent: true });
  if (video?.status === 'cancelled' && video.chargedMicros === null && windowOpen) return wait();

  let status: ProviderVideo['status'];
  try {
    status = (await deps.provider.retrieve(providerVideoId)).status;
  } catch (error) {
    if (error instanceof PermanentProviderError && statusOf(error.cause) === 404) {
      await deps.slots.releaseSlot(item.videoId);
      await deps.queue.remove(item);
      return { outcome: 'providerCopyDeleted' };
    }
    if (error instanceof RetryableProviderError) return { outcome: 'deferred', rateLimited: error.rateLimited };
    throw error;
  }
  if ((status === 'queued' || status === 'in_progress') && windowOpen) return wait();
  let recorded = false;
  if (status === 'completed' && video?.chargedMicros === 0) {
    recorded = await deps.costs.recordProviderCostOf(item.videoId, now, providerVideoId);
  }
  try {
    await deps.provider.delete(providerVideoId);
  } catch (error) {
    if (error instanceof RetryableProviderError) return { outcome: 'deferred', rateLimited: error.rateLimited };
    const gone = error instanceof PermanentProviderError && statusOf(error.cause) === 404;
    if (!gone) {
      if (!(error instanceof PermanentProviderError)) throw error;
      if (windowOpen) return wait();
      await deps.queue.remove(item);
      deps.logger.warn('Provider would not delete the copy of a deleted video; no longer asked', {
        ...keys,
        providerStatus: status,
        providerCode: error.providerCode ?? null,
      });
      return { outcome: 'abandoned' };
    }
  }
  // The job ended, or this delete stopped it (past the window): no slot is held for it any more.
  await deps.slots.releaseSlot(item.videoId);
  await deps.queue.remove(item);
  deps.logger.info('Provider copy of a deleted video deleted', { ...keys, providerStatus: status, recorded });
  return { outcome: 'providerCopyDeleted', recorded };
}

/**
 * A `user_erasure` item: one run of the erasure (erase-user-data.ts); removed once the erasure is completed (or no
 * longer pending), moved to when it should go on otherwise.
 */
async function eraseUser(
  item: ReconcileWorkItem,
  input: ReconcileProviderCostsInput,
  deps: ReconcileProviderCostsDeps,
): Promise<ItemResult> {
  if (deps.erasure === undefined) throw new Error('This reconciler has no erasure wiring');
  const outcome = await eraseUserData({ userId: item.userId, erasureId: item.videoId }, input.stopStartingAt, {
    ...deps.erasure,
    clock: deps.clock,
    logger: deps.logger,
    metrics: deps.metrics,
  });
  if (outcome.state === 'continue') {
    await deps.queue.reschedule(item, Math.max(outcome.dueAt, item.dueAt + 1));
    return { outcome: 'erasureContinued' };
  }
  await deps.queue.remove(item);
  // Completed by this run, or found completed (or replaced by a newer erasure) already.
  return { outcome: 'erasureCompleted' };
}

function statusOf(cause: unknown): number | undefined {
  const status = (cause as { status?: unknown } | null | undefined)?.status;
  return typeof status === 'number' ? status : undefined;
}

function capitalized(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

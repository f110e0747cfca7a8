import { PermanentProviderError, RetryableProviderError } from '../../../shared/errors';
import type { ReconcileWorkItem, WorkItemOf } from '../../../shared/money/reconciliation';
import type { ProviderJobStatus } from '../../../shared/provider/port';
import { unixSeconds } from '../../../shared/video/video';
import { type ItemResult, itemKeys, type ReconcileWorkItemsDeps } from '../reconcile-deps';

import { findHeldCancelJob } from './held-cancel-job';
import { isGoneAtProvider } from './provider-answer';
import { renewAndLookAgainLater } from './recheck-schedule';

/**
 * A held cancel (a video cancelled after the provider accepted its job, or while its create was in flight, its
 * reservation still committed): without a job id, first finds the job (held-cancel-job.ts); then asks the provider
 * how the job stands and settles the video from that, exactly once (the money module's conditions):
 * - `completed`: the provider billed it → the user is charged its price (a `cancelled_charge` ledger entry);
 * - `failed`, or unknown to the provider (404) → released, charged 0;
 * - still running → asked to stop the first time only (the adapter's cancel, else its delete, else not at all:
 *   `capabilities`); deleted → released at 0 (it was stopped before it completed); cancel requested, or refused (a
 *   provider that deletes only finished jobs) → looked at again later, like a provider job, and never asked again:
 *   every ask races the job's end, and a delete landing just after the job completed succeeds and would look like a
 *   job stopped before completing (released at 0 for work the provider billed);
 * - no outcome (still running, or the provider unreachable) when the lookback window ends → given up on: released at
 *   0, logged as an error and counted in `CancelledSettlementGaveUp` for an alarm.
 * A settlement found done already (e.g. RecordCompletion charged it, or the deadline watch gave up on it) is not
 * repeated; a job that completes after a give-up has its cost recorded for finance instead.
 */
export async function settleHeldCancel(
  found: WorkItemOf<'cancel_settlement'>,
  deps: ReconcileWorkItemsDeps,
): Promise<ItemResult> {
  let item = found;
  if (item.providerVideoId === null) {
    const job = await findHeldCancelJob(item, deps);
    if (job.result !== undefined) return job.result;
    item = job.item;
  }
  const providerVideoId = item.providerVideoId ?? '';
  const keys = itemKeys(item, providerVideoId);
  const windowEnd = item.givenUpAt + deps.options.lookbackSeconds;
  let status: ProviderJobStatus | 'gone';
  try {
    status = (await deps.provider.retrieve(providerVideoId)).status;
  } catch (error) {
    if (isGoneAtProvider(error)) status = 'gone';
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

  // `checks` counts the visits that found the job still running: only the first one asks it to stop.
  if ((status === 'queued' || status === 'in_progress') && item.checks === 0) {
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
  return renewAndLookAgainLater(item, now, deps);
}

/**
 * Asks the provider to stop a job still running: its cancel where it has one (`requested`: the job then ends as the
 * provider says, read on a later visit), else its delete (`deleted`: stopped and gone). `refused`: it would not (a
 * provider that deletes only finished jobs answers 4xx), could not answer now, or can do neither; the job is followed
 * anyway. Never throws for a provider answer.
 */
async function askToStop(
  item: WorkItemOf<'cancel_settlement'>,
  providerVideoId: string,
  deps: ReconcileWorkItemsDeps,
): Promise<'deleted' | 'requested' | 'refused' | 'rate_limited'> {
  const keys = itemKeys(item, providerVideoId);
  const { cancel, delete: deletes } = deps.provider.capabilities;
  if (!cancel && !deletes) {
    deps.logger.info('Provider cannot stop a job; following the job of a cancelled video', keys);
    return 'refused';
  }
  try {
    if (cancel) {
      await deps.provider.cancel(providerVideoId);
      deps.logger.info('Provider asked to cancel the job of a cancelled video; following it', keys);
      return 'requested';
    }
    await deps.provider.delete(providerVideoId);
    deps.logger.info('Provider deleted the job of a cancelled video before it completed', keys);
    return 'deleted';
  } catch (error) {
    if (isGoneAtProvider(error)) return 'deleted';
    if (error instanceof PermanentProviderError) {
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
export async function giveUpHeldCancel(
  item: ReconcileWorkItem,
  deps: ReconcileWorkItemsDeps,
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

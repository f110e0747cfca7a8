import { RetryableProviderError } from '../../../shared/errors';
import type { WorkItemOf } from '../../../shared/money/reconciliation';
import type { ProviderJobStatus } from '../../../shared/provider/port';
import { unixSeconds } from '../../../shared/video/video';
import { type ItemResult, itemKeys, type ReconcileWorkItemsDeps } from '../reconcile-deps';
import { searchOrphanedJob } from './orphan-search';
import { isGoneAtProvider } from './provider-answer';
import { lookAgainLater } from './recheck-schedule';

/**
 * A `provider_job` item (a job reelflow gave up on), or an `orphan_search` item once it found its job: asks the
 * provider how the job ended. `completed` → its cost is recorded for finance once (never charged to the user) and the
 * item removed; `failed` → the item removed (nothing billed); still running → looked at again later, until the
 * lookback window ends (then removed and logged). A provider 429/5xx leaves the item for the next run.
 */
export async function followProviderJob(
  found: WorkItemOf<'provider_job' | 'orphan_search'>,
  deps: ReconcileWorkItemsDeps,
): Promise<ItemResult> {
  let item = found;
  let status: ProviderJobStatus;
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
  const keys = itemKeys(item, providerVideoId);

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
      return lookAgainLater(item, now, deps);
    }
  }
}

/** Asks the provider how a job stands; a `result` when the item is settled by the answer (or its absence). */
async function retrieveStatus(
  item: WorkItemOf<'provider_job' | 'orphan_search'>,
  providerVideoId: string,
  deps: ReconcileWorkItemsDeps,
): Promise<{ status: ProviderJobStatus; result?: undefined } | { result: ItemResult }> {
  const keys = itemKeys(item, providerVideoId);
  try {
    return { status: (await deps.provider.retrieve(providerVideoId)).status };
  } catch (error) {
    if (error instanceof RetryableProviderError) {
      deps.logger.warn('Provider unavailable; job left for the next run', { ...keys, error: error.message });
      return { result: { outcome: 'deferred', rateLimited: error.rateLimited } };
    }
    if (isGoneAtProvider(error)) {
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

import { PermanentProviderError, RetryableProviderError } from '../../../shared/errors';
import type { WorkItemOf } from '../../../shared/money/reconciliation';
import type { ProviderJobStatus } from '../../../shared/provider/port';
import { unixSeconds } from '../../../shared/video/video';
import { type ItemResult, itemKeys, type ReconcileWorkItemsDeps } from '../reconcile-deps';
import { isGoneAtProvider } from './provider-answer';
import { lookAgainLater } from './recheck-schedule';

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
 *   user's delete was answered long before;
 * - a provider that cannot delete jobs (`capabilities.delete` false) keeps its copy until it expires there: once the
 *   job ended (and its cost is recorded) the item is removed unasked (`abandoned`).
 */
export async function deleteProviderCopy(
  item: WorkItemOf<'provider_delete'>,
  deps: ReconcileWorkItemsDeps,
): Promise<ItemResult> {
  const providerVideoId = item.providerVideoId ?? '';
  const keys = itemKeys(item, providerVideoId);
  const now = unixSeconds(deps.clock());
  const windowOpen = now < item.givenUpAt + deps.options.lookbackSeconds;
  const wait = (): Promise<ItemResult> => lookAgainLater(item, now, deps, 'providerCopyWaiting');
  const video = await deps.videos.get(item.videoId, { consistent: true });
  if (video?.status === 'cancelled' && video.chargedMicros === null && windowOpen) return wait();

  let status: ProviderJobStatus;
  try {
    status = (await deps.provider.retrieve(providerVideoId)).status;
  } catch (error) {
    if (isGoneAtProvider(error)) {
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
  if (!deps.provider.capabilities.delete) {
    // Nothing to ask: the job ended (or is no longer followed past the window), so no slot is held for it any more.
    await deps.slots.releaseSlot(item.videoId);
    await deps.queue.remove(item);
    deps.logger.info('Provider cannot delete jobs; the copy of a deleted video is left to expire there', {
      ...keys,
      providerStatus: status,
      recorded,
    });
    return { outcome: 'abandoned', recorded };
  }
  try {
    await deps.provider.delete(providerVideoId);
  } catch (error) {
    if (error instanceof RetryableProviderError) return { outcome: 'deferred', rateLimited: error.rateLimited };
    if (!isGoneAtProvider(error)) {
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

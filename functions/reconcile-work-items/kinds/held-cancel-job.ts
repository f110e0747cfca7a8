import { PermanentProviderError, RetryableProviderError } from '../../../shared/errors';
import { createInFlight, hasProviderJob } from '../../../shared/money/decisions';
import type { WorkItemOf } from '../../../shared/money/reconciliation';
import { unixSeconds } from '../../../shared/video/video';
import type { ItemResult, ReconcileWorkItemsDeps } from '../reconcile-deps';

import { findOrphanedJob, ORPHAN_SEARCH_WINDOW_SECONDS, type OrphanSearch } from './orphan-search';
import { nextDueAt } from './recheck-schedule';

/**
 * The job of a held cancel without one (cancelled while its create was in flight), so that its settlement follows
 * it like any held cancel's (cancel-settlement.ts):
 * - the job id recorded on the video since: the create's late answer, or a webhook of the job it claimed;
 * - else, where the provider lists jobs, the orphan search (create-generation-job's match and claim); one that finds
 *   none (the item is due once the create has surely ended) → released at 0 now;
 * - every create attempt resolved without a job meanwhile (refused, failed at once) → released at 0 now;
 * - a provider that does not list jobs and no job named by the end of {@link ORPHAN_SEARCH_WINDOW_SECONDS} →
 *   released at 0.
 * After a release at 0 the search goes on until the lookback window ends, and a job found then is settled as a
 * provider cost, never the user's (the money module charges only an unsettled held cancel).
 * Returns the item with its job (checks from 0: the job was never asked to stop), or what the visit came to.
 */
export async function findHeldCancelJob(
  item: WorkItemOf<'cancel_settlement'>,
  deps: ReconcileWorkItemsDeps,
): Promise<{ item: WorkItemOf<'cancel_settlement'>; result?: undefined } | { result: ItemResult }> {
  const keys = { videoId: item.videoId, userId: item.userId };
  const video = await deps.videos.get(item.videoId, { consistent: true });
  if (video === undefined) {
    await deps.queue.remove(item);
    deps.logger.error('Video of a held cancel is gone; its provider cost is unknown', keys);
    return { result: { outcome: 'abandoned' } };
  }
  if (hasProviderJob(video)) return { item: { ...item, providerVideoId: video.providerVideoId, checks: 0 } };
  if (!createInFlight(video)) return releaseWithoutJob(item, deps, { why: 'every create attempt was refused' });

  let search: OrphanSearch | undefined;
  try {
    // A provider that does not list its jobs: only the video's own record (late answer, webhook) can name the job.
    if (deps.provider.capabilities.list) search = await findOrphanedJob(video, deps);
    else deps.logger.info('Provider does not list jobs; held cancel waits for its job to be named', keys);
  } catch (error) {
    if (error instanceof RetryableProviderError) {
      deps.logger.warn('Provider unavailable; held cancel’s job looked for on a later run', {
        ...keys,
        error: error.message,
      });
      return { result: { outcome: 'deferred', rateLimited: error.rateLimited } };
    }
    if (!(error instanceof PermanentProviderError)) throw error;
    // A provider that refuses its list for good (e.g. a gateway without the route) is met as one that lists none.
    deps.logger.info('Provider does not list jobs; held cancel waits for its job to be named', keys);
  }
  if (search?.job !== undefined) {
    // On the video too (while it is not settled), so a later delete of the video also deletes the provider's copy.
    const recorded = await deps.costs.recordHeldCancelJob(item.videoId, search.job.id, unixSeconds(deps.clock()));
    deps.logger.info('Found the provider job of a video cancelled while its create was in flight', {
      ...keys,
      providerVideoId: search.job.id,
      recordedOnVideo: recorded,
    });
    return { item: { ...item, providerVideoId: search.job.id, checks: 0 } };
  }

  if (search !== undefined) {
    // The create ended without a job the provider lists for this video (e.g. it answered 5xx and its retry found the
    // video cancelled): nothing the user asked for runs, so the reservation goes back now, not after the window.
    return releaseWithoutJob(item, deps, { why: 'the provider lists no job for it', keepLooking: true });
  }
  const now = unixSeconds(deps.clock());
  const searchEnd = item.givenUpAt + ORPHAN_SEARCH_WINDOW_SECONDS;
  if (now < searchEnd) {
    await deps.queue.reschedule(item, Math.min(nextDueAt(item, now, deps.options.lookbackSeconds), searchEnd));
    return { result: { outcome: 'rescheduled' } };
  }
  return releaseWithoutJob(item, deps, { why: 'no provider job named within the search window', keepLooking: true });
}

/**
 * Releases a held cancel without a job at 0 (once: a later call finds it settled) and gives its job slot back.
 * `keepLooking`: the item stays until the lookback window ends, so a job that turns up is recorded as a provider cost.
 */
async function releaseWithoutJob(
  item: WorkItemOf<'cancel_settlement'>,
  deps: ReconcileWorkItemsDeps,
  known: { why: string; keepLooking?: boolean },
): Promise<{ result: ItemResult }> {
  const now = unixSeconds(deps.clock());
  const result = await deps.costs.release(item.videoId, { status: 'cancelled', now, settlesHeldCancel: 'no_job' });
  if (result.applied) {
    await deps.slots.releaseSlot(item.videoId);
    deps.logger.info('Held cancel without a provider job released at 0', {
      videoId: item.videoId,
      userId: item.userId,
      why: known.why,
    });
  }
  const lookbackEnd = item.givenUpAt + deps.options.lookbackSeconds;
  if (known.keepLooking === true && now < lookbackEnd) {
    await deps.queue.reschedule(item, nextDueAt(item, now, deps.options.lookbackSeconds));
  } else {
    await deps.queue.remove(item);
  }
  return { result: { outcome: result.applied ? 'cancelReleased' : 'noJob' } };
}

import { RetryableProviderError } from '../../../shared/errors';
import type { WorkItemOf } from '../../../shared/money/reconciliation';
import { claimOrphanedJob } from '../../../shared/pipeline/orphaned-job';
import type { ProviderJob } from '../../../shared/provider/port';
import { unixSeconds, type VideoRecord } from '../../../shared/video/video';
import type { ItemResult, ReconcileWorkItemsDeps } from '../reconcile-deps';
import { nextDueAt } from './recheck-schedule';

/** How long after the release an orphan search looks for the provider job before concluding there is none. */
export const ORPHAN_SEARCH_WINDOW_SECONDS = 3600;

/** What one look among the provider's recent jobs found. */
export type OrphanSearch = Awaited<ReturnType<typeof claimOrphanedJob>>;

/**
 * One look among the provider's recent jobs for the video's unrecorded job, claimed when found (the pipeline's
 * match). Only for a provider that lists its jobs (`capabilities.list`): callers check.
 */
export function findOrphanedJob(video: VideoRecord, deps: ReconcileWorkItemsDeps): Promise<OrphanSearch> {
  return claimOrphanedJob(video, {
    provider: deps.provider,
    videos: deps.videos,
    clock: deps.clock,
    adoptionSkewSeconds: deps.options.adoptionSkewSeconds ?? 120,
  });
}

/**
 * The job of a video released after a create attempt but before its job id was saved: found among the provider's
 * recent jobs and claimed for the video (create-generation-job's own matching, which never takes a job that could be
 * another video's), or looked for again later, until {@link ORPHAN_SEARCH_WINDOW_SECONDS} say there is none. A
 * provider that does not list its jobs is not searched: the item waits out the window the same way (a create's late
 * answer hands its job to the reconciler as a `provider_job` item of its own).
 */
export async function searchOrphanedJob(
  item: WorkItemOf<'provider_job' | 'orphan_search'>,
  deps: ReconcileWorkItemsDeps,
): Promise<{ job: ProviderJob; result?: undefined } | { result: ItemResult }> {
  const keys = { videoId: item.videoId, userId: item.userId };
  const video = await deps.videos.get(item.videoId);
  if (video === undefined) {
    await deps.queue.remove(item);
    deps.logger.error('Video of an orphan search is gone; its provider cost is unknown', keys);
    return { result: { outcome: 'abandoned' } };
  }
  let search: OrphanSearch | undefined;
  try {
    search = deps.provider.capabilities.list ? await findOrphanedJob(video, deps) : undefined;
  } catch (error) {
    if (!(error instanceof RetryableProviderError)) throw error;
    deps.logger.warn('Provider unavailable; orphan search left for the next run', { ...keys, error: error.message });
    return { result: { outcome: 'deferred', rateLimited: error.rateLimited } };
  }
  if (search?.job !== undefined) {
    deps.logger.info('Found the provider job of a video that ended before saving it', {
      ...keys,
      providerVideoId: search.job.id,
      status: search.job.status,
    });
    return { job: search.job };
  }
  if (search?.sharedWith !== undefined) {
    // Another video asked for a job that looks the same: a match could be its job, not this video's (never claimed).
    deps.logger.warn('A matching provider job could be another video’s; not attributed to this one', {
      ...keys,
      otherVideos: search.sharedWith.length,
    });
  }
  const now = unixSeconds(deps.clock());
  if (now >= item.givenUpAt + ORPHAN_SEARCH_WINDOW_SECONDS) {
    await deps.queue.remove(item);
    deps.logger.info('No provider job found for a video that ended during a create attempt; nothing billed', {
      ...keys,
      attempts: video.providerCreateAttempts,
      scanned: search?.scanned ?? 0,
    });
    return { result: { outcome: 'noJob' } };
  }
  await deps.queue.reschedule(
    item,
    Math.min(nextDueAt(item, now, deps.options.lookbackSeconds), item.givenUpAt + ORPHAN_SEARCH_WINDOW_SECONDS),
  );
  return { result: { outcome: 'rescheduled' } };
}

import type { ProviderAdapter, ProviderJob } from '../provider/port';
import { providerModelOf } from '../provider/provider-model';
import type { VideoRepository } from '../video/store';
import { deliveredSeconds, promptHash, promptHashOf, unixSeconds, type VideoRecord } from '../video/video';

// The search for a provider job nobody recorded, and why an adoption never crosses videos: docs/ARCHITECTURE.md,
// "Orphaned provider jobs".

/** What {@link claimOrphanedJob} needs: a provider whose capabilities include `list` (callers check). */
export interface OrphanSearchDeps {
  provider: Pick<ProviderAdapter, 'list'>;
  videos: Pick<VideoRepository, 'claimProviderJob' | 'videosAskingForJob'>;
  clock: () => Date;
  /** An orphaned job may be this many seconds older than the first attempt (clock skew). */
  adoptionSkewSeconds: number;
  /** At most this many of the provider's recent videos are examined. @default 500 */
  maxScannedJobs?: number;
}

/**
 * Finds among the provider's recent jobs (newest first, back to the first attempt less the skew) one an earlier create
 * attempt of `video` made but did not record (same model, prompt, size, remix source and seconds as the job reports
 * them: an extension's job lasts its source plus the extension) and claims it; a job another video holds is skipped.
 * Nothing is claimed (`sharedWith`) when another video noted a job of the same fingerprint since then: the match could
 * be that video's. Prompts are compared by their sha256: a deleted video keeps only its prompt's hash, and the
 * reconciler must still find its job (a cancel followed by a quick delete must not hide a job the provider billed).
 */
export async function claimOrphanedJob(video: VideoRecord, deps: OrphanSearchDeps): Promise<OrphanSearch> {
  const since = (video.providerFirstAttemptAt ?? video.createdAt) - deps.adoptionSkewSeconds;
  const maxScanned = deps.maxScannedJobs ?? 500;
  let scanned = 0;
  for await (const job of deps.provider.list({ pageSize: 100 })) {
    scanned += 1;
    // Newest first: once older than the first attempt, nothing further down can be ours.
    if (job.createdAt < since || scanned > maxScanned) break;
    if (!matches(job, video)) continue;
    // Read after the list: a job listed here had its maker's note written before it existed. Another video's
    // attempt that could have made a job this old (clock skew once more) makes every match ambiguous.
    const others = (
      await deps.videos.videosAskingForJob(jobFingerprint(video), since - deps.adoptionSkewSeconds)
    ).filter((videoId) => videoId !== video.videoId);
    if (others.length > 0) return { job: undefined, scanned, since, sharedWith: others };
    if (await deps.videos.claimProviderJob(job.id, video.videoId, unixSeconds(deps.clock()))) {
      return { job, scanned, since };
    }
  }
  return { job: undefined, scanned, since };
}

/** What the search found: the job claimed, or none; `sharedWith` when other videos asked for the same job shape. */
export interface OrphanSearch {
  job: ProviderJob | undefined;
  scanned: number;
  since: number;
  /** Set (and no job claimed) when matching jobs could be these other videos': nothing is adopted then. */
  sharedWith?: string[];
}

/**
 * What the provider's job list shows of the job a video asks for, hashed: model (its alias: a dated snapshot counts
 * as it), prompt, the seconds the job reports, size and a remix's source. Videos with the same fingerprint ask for
 * jobs the list cannot tell apart.
 */
export function jobFingerprint(video: VideoRecord): string {
  const model = providerModelOf(video).replace(/-20\d\d-\d\d-\d\d$/, '');
  return promptHash(
    JSON.stringify([model, promptHashOf(video), deliveredSeconds(video), video.size, remixSourceOf(video)]),
  );
}

/** The provider job a remix video remixes; null for a video made from its prompt alone. */
export function remixSourceOf(video: VideoRecord): string | null {
  return video.remixSourceProviderVideoId ?? null;
}

function matches(job: ProviderJob, video: VideoRecord): boolean {
  const model = providerModelOf(video);
  const sameModel = job.model === model || job.model.startsWith(`${model}-20`);
  return (
    sameModel &&
    (job.remixedFromVideoId ?? null) === remixSourceOf(video) &&
    promptHash((job.prompt ?? '').trim()) === promptHashOf(video) &&
    String(job.seconds) === deliveredSeconds(video) &&
    job.size === video.size
  );
}

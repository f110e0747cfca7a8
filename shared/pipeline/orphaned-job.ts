import type { ProviderVideo, VideoProvider } from '../provider/provider-client';
import type { VideoRepository } from '../repositories/video-repository';
import { deliveredSeconds, promptHash, promptHashOf, unixSeconds, type VideoRecord } from '../video';

/*
 * The search for a provider job nobody recorded: a create attempt that timed out or crashed after the provider
 * accepted it leaves a job behind. CreateGenerationJob adopts such a job instead of paying for a second one, and the
 * provider-cost reconciler uses the same search to find the job of a video that ended before its job id was saved.
 */

/** What {@link claimOrphanedJob} needs. */
export interface OrphanSearchDeps {
  provider: Pick<VideoProvider, 'list'>;
  videos: Pick<VideoRepository, 'claimProviderJob'>;
  clock: () => Date;
  /** An orphaned job may be this many seconds older than the first attempt (clock skew). */
  adoptionSkewSeconds: number;
  /** At most this many of the provider's recent videos are examined. @default 500 */
  maxScannedJobs?: number;
}

/**
 * Finds among the provider's recent jobs one an earlier create attempt of `video` made but did not record (same
 * prompt, model, size and seconds, or the same remix source and prompt, created since the first attempt) and
 * claims it for the video; a job another video holds is skipped. An extension's job lasts its source plus the
 * extension. The provider's edit and extension jobs do not name their source (nor does a create's echo its image):
 * for those, the claim is what keeps a job from being adopted twice. Prompts are compared by their sha256: a deleted
 * video keeps only its prompt's hash, and the reconciler must still find its job (a cancel followed by a quick delete
 * must not hide a job the provider billed). Also used by the reconciler to find the job of a
 * video that ended before its job id was saved.
 */
export async function claimOrphanedJob(
  video: VideoRecord,
  deps: OrphanSearchDeps,
): Promise<{ job: ProviderVideo | undefined; scanned: number; since: number }> {
  const since = (video.providerFirstAttemptAt ?? video.createdAt) - deps.adoptionSkewSeconds;
  const maxScanned = deps.maxScannedJobs ?? 500;
  let scanned = 0;
  for await (const job of deps.provider.list({ pageSize: 100 })) {
    scanned += 1;
    // Newest first: once older than the first attempt, nothing further down can be ours.
    if (job.createdAt < since || scanned > maxScanned) break;
    if (!matches(job, video)) continue;
    if (await deps.videos.claimProviderJob(job.id, video.videoId, unixSeconds(deps.clock()))) {
      return { job, scanned, since };
    }
  }
  return { job: undefined, scanned, since };
}

/** The provider job a remix video remixes; null for a video made from its prompt alone. */
export function remixSourceOf(video: VideoRecord): string | null {
  return video.remixSourceProviderVideoId ?? null;
}

function matches(job: ProviderVideo, video: VideoRecord): boolean {
  const sameModel = job.model === video.model || job.model.startsWith(`${video.model}-20`);
  return (
    sameModel &&
    (job.remixedFromVideoId ?? null) === remixSourceOf(video) &&
    promptHash((job.prompt ?? '').trim()) === promptHashOf(video) &&
    String(job.seconds) === deliveredSeconds(video) &&
    job.size === video.size
  );
}

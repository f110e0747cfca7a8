import type { ProviderVideo, VideoProvider } from '../provider/provider-client';
import type { VideoRepository } from '../video/store';
import { deliveredSeconds, promptHash, promptHashOf, unixSeconds, type VideoRecord } from '../video/video';

/*
 * The search for a provider job nobody recorded: a create attempt that timed out or crashed after the provider
 * accepted it leaves a job behind. CreateGenerationJob adopts such a job instead of paying for a second one, and the
 * provider-cost reconciler uses the same search to find the job of a video that ended before its job id was saved.
 *
 * Adoption never crosses videos (so never users). The provider's job list shows model, prompt, seconds, size and a
 * remix's source, nothing that names the user or the video (OpenAI's /v1/videos keeps no metadata), and neither an
 * edit's or extension's source nor a create's reference image: user B's retry could otherwise claim user A's job made
 * from A's private image or video. So every video notes, before each provider call that makes a job, that it asks
 * for a job of its fingerprint (what the list shows); a matching job is adopted only when no other video asked for
 * that fingerprint around the same time: then the job can only be the video's own, whatever inputs the list leaves
 * out. Otherwise it is left alone and a new job created (paying twice only when a lost answer meets an identical
 * request). Chosen over serializing identical requests (a lock every create would wait on, and one a crashed or
 * cancelled attempt must release) and over never adopting edits, extensions and image videos (every lost answer of
 * theirs would then pay for a job nobody records). It assumes the provider project is this deployment's alone (as
 * the admission gate does): a job made outside reelflow has no note.
 */

/** What {@link claimOrphanedJob} needs. */
export interface OrphanSearchDeps {
  provider: Pick<VideoProvider, 'list'>;
  videos: Pick<VideoRepository, 'claimProviderJob' | 'videosAskingForJob'>;
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
 * extension. Nothing is claimed when another video asked for a job of the same fingerprint since then (above): the
 * match could be that video's, made from inputs the list does not show. Prompts are compared by their sha256: a deleted
 * video keeps only its prompt's hash, and the reconciler must still find its job (a cancel followed by a quick delete
 * must not hide a job the provider billed). Also used by the reconciler to find the job of a
 * video that ended before its job id was saved.
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
  job: ProviderVideo | undefined;
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
  const model = video.model.replace(/-20\d\d-\d\d-\d\d$/, '');
  return promptHash(
    JSON.stringify([model, promptHashOf(video), deliveredSeconds(video), video.size, remixSourceOf(video)]),
  );
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

import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from '../../aws/condition-failure';
import type { AppLogger } from '../../observability/powertools';
import { videoKey } from '../../table-keys';
import { unixSeconds, type VideoRecord } from '../../video/video';
import type { ProviderGate } from '../gate/provider-gate';
import type { ProviderAdapter } from '../port';

/**
 * How fresh a waiting video's progress is kept for readers: at most one provider read per video per cache period, and
 * only while a reader asks. The period is at least `minCacheSeconds`, and long enough that the reads of every job the
 * gate lets run at once take at most `budgetShare` of the provider's requests per minute, so readers cannot starve the
 * pipeline's creates and downloads: max(5, 60 × jobs ÷ (share × rpm)); 12 s with the defaults (2 jobs, 20 a minute).
 */
export const PROGRESS_READ_POLICY = { minCacheSeconds: 5, budgetShare: 0.5 } as const;

/** The cache period for a provider account's gate limits (see {@link PROGRESS_READ_POLICY}). */
export function progressCacheSeconds(
  limits: { maxConcurrentJobs: number; requestsPerMinute: number },
  policy: typeof PROGRESS_READ_POLICY = PROGRESS_READ_POLICY,
): number {
  const share = (60 * limits.maxConcurrentJobs) / (policy.budgetShare * limits.requestsPerMinute);
  return Math.max(policy.minCacheSeconds, Math.ceil(share));
}

export interface ProgressReadStore {
  /** Marks the video as waiting for the provider's webhook until `until` (unix seconds). */
  markWaiting(videoId: string, until: number): Promise<void>;
  /**
   * Claims the next provider read when the cached progress is older than `staleBefore`: true for one reader, false
   * for every other one meanwhile, and for a video no longer `queued` or `in_progress`.
   */
  claimRead(videoId: string, now: number, staleBefore: number): Promise<boolean>;
  /** Writes the provider's status and progress while the video is still `queued` or `in_progress`; false otherwise. */
  mirror(videoId: string, seen: { status: 'queued' | 'in_progress'; progress: number; now: number }): Promise<boolean>;
}

export interface ProgressReadDeps {
  store: ProgressReadStore;
  /**
   * The provider without the gate (the read takes its token here, and answers without one when none is left); one
   * that reports no progress (`capabilities.progress` false) is never read.
   */
  provider: Pick<ProviderAdapter, 'retrieve' | 'capabilities'>;
  gate: Pick<ProviderGate, 'takeTokens'>;
  clock: () => Date;
  logger: Pick<AppLogger, 'warn'>;
  /** The cache period (progressCacheSeconds of the gate's limits). */
  cacheSeconds: number;
}

/**
 * The video as a reader sees it while its execution waits for the provider's webhook: nothing polls then, so the
 * stored progress would freeze. When the stored progress is older than the cache, one reader claims the read, takes
 * a gate token and reads the job from the provider; without a token, when another reader holds the claim, or when the
 * provider cannot answer, the stored progress is the answer. A finished or failed job is left to the webhook (or the
 * polls after the wait): readers never settle a video.
 */
export async function readWaitingProgress(video: VideoRecord, deps: ProgressReadDeps): Promise<VideoRecord> {
  const now = unixSeconds(deps.clock());
  const cacheSeconds = deps.cacheSeconds;
  if (
    !deps.provider.capabilities.progress ||
    (video.status !== 'queued' && video.status !== 'in_progress') ||
    video.providerVideoId === null ||
    video.webhookWaitUntil === undefined ||
    video.webhookWaitUntil <= now ||
    now - Math.max(video.updatedAt, video.progressReadAt ?? 0) < cacheSeconds
  ) {
    return video;
  }
  if (!(await deps.store.claimRead(video.videoId, now, now - cacheSeconds + 1))) return video;
  if (!(await deps.gate.takeTokens(1)).granted) return video;
  try {
    const job = await deps.provider.retrieve(video.providerVideoId);
    if (job.status !== 'queued' && job.status !== 'in_progress') return video;
    const progress = Math.max(video.progress, Math.min(100, Math.round(job.progress)));
    const seen = { status: job.status, progress, now };
    if (!(await deps.store.mirror(video.videoId, seen))) return video;
    return { ...video, status: job.status, progress, updatedAt: now };
  } catch (error) {
    deps.logger.warn('Provider progress read failed; answering with the stored progress', {
      error: error instanceof Error ? error.message : String(error),
    });
    return video;
  }
}

const READABLE = { ':queued': 'queued', ':in_progress': 'in_progress' };

/** {@link ProgressReadStore} on the video items of the table. */
export class DynamoProgressReadStore implements ProgressReadStore {
  constructor(
    private readonly ddb: Pick<DynamoDBDocumentClient, 'send'>,
    private readonly tableName: string,
  ) {}

  async markWaiting(videoId: string, until: number): Promise<void> {
    await this.conditional({
      UpdateExpression: 'SET webhookWaitUntil = :until',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':until': until },
      Key: videoKey(videoId),
    });
  }

  async claimRead(videoId: string, now: number, staleBefore: number): Promise<boolean> {
    return this.conditional({
      Key: videoKey(videoId),
      UpdateExpression: 'SET progressReadAt = :now',
      ConditionExpression:
        '#status IN (:queued, :in_progress) AND (attribute_not_exists(progressReadAt) OR progressReadAt < :stale)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':now': now, ':stale': staleBefore, ...READABLE },
    });
  }

  async mirror(
    videoId: string,
    seen: { status: 'queued' | 'in_progress'; progress: number; now: number },
  ): Promise<boolean> {
    return this.conditional({
      Key: videoKey(videoId),
      // Never back to `queued` from `in_progress`, never a lower progress than a poll or webhook wrote meanwhile.
      UpdateExpression: 'SET #status = :status, progress = :progress, updatedAt = :now',
      ConditionExpression: `${seen.status === 'queued' ? '#status = :queued' : '#status IN (:queued, :in_progress)'} AND progress <= :progress`,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':status': seen.status,
        ':progress': seen.progress,
        ':now': seen.now,
        ':queued': 'queued',
        ...(seen.status === 'queued' ? {} : { ':in_progress': 'in_progress' }),
      },
    });
  }

  private async conditional(update: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName'>) {
    try {
      await this.ddb.send(new UpdateCommand({ TableName: this.tableName, ...update }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}

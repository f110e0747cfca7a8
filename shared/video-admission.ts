import type { ReservationReleaser, Reservations } from './money/billing';
import type { PipelineStarter } from './pipeline/pipeline-starter';
import type { AppLogger } from './powertools';
import { estimateMicros, type PriceTable } from './pricing';
import { unixSeconds, type VideoRecord } from './video';

/** What a caller chooses about a new video; everything else starts the same for creates and remixes. */
export type NewVideo = Pick<
  VideoRecord,
  'videoId' | 'userId' | 'prompt' | 'model' | 'seconds' | 'size' | 'metadata' | 'remixedFromVideoId'
> &
  Pick<VideoRecord, 'remixSourceProviderVideoId'>;

/** A `queued` video record priced with `prices`, created at `now`. */
export function newVideoRecord(fields: NewVideo, prices: PriceTable, now: Date): VideoRecord {
  const createdAt = unixSeconds(now);
  return {
    ...fields,
    status: 'queued',
    progress: 0,
    createdAt,
    updatedAt: createdAt,
    completedAt: null,
    error: null,
    estimatedMicros: estimateMicros(fields.model, fields.size, fields.seconds, prices),
    chargedMicros: null,
    priceVersion: prices.version,
    content: null,
    providerVideoId: null,
    providerCreateAttempts: 0,
    providerFirstAttemptAt: null,
  };
}

export interface AdmitVideoDeps {
  /** Writes the video with its estimate reserved (402/429 when over budget or quota), or gives it back. */
  money: Reservations & ReservationReleaser;
  pipeline: PipelineStarter;
  clock: () => Date;
  logger: Pick<AppLogger, 'error'>;
}

/**
 * Writes the video with its estimate reserved against the caller's month and quotas (one transaction: a rejected
 * request writes nothing and starts nothing), then starts its pipeline execution. If the start fails, the video is
 * marked failed and its reservation released (never left queued with nothing behind it) and the error propagates.
 */
export async function admitVideo(video: VideoRecord, now: Date, deps: AdmitVideoDeps): Promise<void> {
  await deps.money.reserve(video, now);
  try {
    await deps.pipeline.start({ videoId: video.videoId, userId: video.userId });
  } catch (error) {
    deps.logger.error('Could not start the video pipeline', error as Error);
    await deps.money.release(video.videoId, {
      status: 'failed',
      error: { code: 'internal_error', message: 'The video could not be started' },
      now: unixSeconds(deps.clock()),
    });
    throw error;
  }
}

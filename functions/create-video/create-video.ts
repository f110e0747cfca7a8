import { ValidationError } from '../../shared/errors';
import type { ReservationReleaser, Reservations } from '../../shared/money/billing';
import type { PipelineStarter } from '../../shared/pipeline/pipeline-starter';
import type { AppLogger, AppMetrics } from '../../shared/powertools';
import { estimateMicros, isPriced, type PriceTable } from '../../shared/pricing';
import type { VideoResource } from '../../shared/schemas';
import { toVideoResource, unixSeconds, type VideoRecord } from '../../shared/video';
import type { CreateVideoInput } from './schema';

export interface CreateVideoDeps {
  /** Writes the video with its estimate reserved (402/429 when over budget or quota), or gives it back. */
  money: Reservations & ReservationReleaser;
  pipeline: PipelineStarter;
  prices: PriceTable;
  clock: () => Date;
  newId: (nowMillis: number) => string;
  logger: Pick<AppLogger, 'info' | 'error' | 'appendKeys'>;
  metrics: AppMetrics;
}

/**
 * Creates a video: validates it can be priced, writes the record `queued` with its estimate reserved against the
 * caller's monthly budget and quotas (one transaction: a rejected request writes nothing and starts nothing),
 * then starts the pipeline execution named after the video id. If the start fails the video is marked failed and
 * its reservation released (never left queued with nothing behind it) and the error propagates (500).
 */
export async function createVideo(input: CreateVideoInput, deps: CreateVideoDeps): Promise<VideoResource> {
  const { body, caller } = input;
  if (!isPriced(deps.prices, body.model, body.size)) {
    throw new ValidationError(`model ${body.model} is not available at size ${body.size}`, 'size');
  }
  const now = deps.clock();
  const createdAt = unixSeconds(now);
  const video: VideoRecord = {
    videoId: deps.newId(now.getTime()),
    userId: caller.userId,
    status: 'queued',
    progress: 0,
    prompt: body.prompt,
    model: body.model,
    seconds: body.seconds,
    size: body.size,
    metadata: body.metadata ?? {},
    remixedFromVideoId: null,
    createdAt,
    updatedAt: createdAt,
    completedAt: null,
    error: null,
    estimatedMicros: estimateMicros(body.model, body.size, body.seconds, deps.prices),
    chargedMicros: null,
    priceVersion: deps.prices.version,
    content: null,
    providerVideoId: null,
    providerCreateAttempts: 0,
    providerFirstAttemptAt: null,
  };
  deps.logger.appendKeys({ videoId: video.videoId, userId: video.userId });

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

  deps.metrics.addMetric('VideosRequested', 'Count', 1);
  deps.logger.info('Video requested', { model: video.model, seconds: video.seconds, size: video.size });
  return toVideoResource(video);
}

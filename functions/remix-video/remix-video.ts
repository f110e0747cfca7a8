import { ConflictError } from '../../shared/errors';
import { idempotentRequest, type RequestIdempotency } from '../../shared/http/idempotency';
import type { Caller } from '../../shared/http/types';
import type { ReservationReleaser, Reservations } from '../../shared/money/billing';
import type { PipelineStarter } from '../../shared/pipeline/pipeline-starter';
import type { AppLogger, AppMetrics } from '../../shared/powertools';
import { estimateMicros, type PriceTable } from '../../shared/pricing';
import type { VideoRepository } from '../../shared/repositories/video-repository';
import type { RemixVideoBody, VideoResource } from '../../shared/schemas';
import { toVideoResource, unixSeconds, type VideoRecord } from '../../shared/video';
import { findOwnVideo } from '../../shared/video-access';

export interface RemixVideoInput {
  caller: Caller;
  sourceVideoId: string;
  body: RemixVideoBody;
  idempotencyKey: string | undefined;
}

export interface RemixVideoDeps {
  videos: Pick<VideoRepository, 'get'>;
  /** Writes the new video with its estimate reserved (402/429 when the budget or quotas do not allow it). */
  reservations: Reservations;
  /** Gives the reservation back when the pipeline cannot be started. */
  releaser: ReservationReleaser;
  pipeline: PipelineStarter;
  prices: PriceTable;
  idempotency: RequestIdempotency;
  clock: () => Date;
  newId: (nowMillis: number) => string;
  logger: Pick<AppLogger, 'info' | 'error' | 'appendKeys'>;
  metrics: AppMetrics;
}

/**
 * POST /v1/videos/{id}/remix: a new video (`remixed_from_video_id` = the source) that the pipeline creates with
 * the provider's remix of the source's job. The source must be the caller's (404 otherwise) and completed (409
 * `video_not_ready` before). Model, size and seconds are the source's; the estimate is reserved like a create's.
 * With an Idempotency-Key, a repeat of the same request returns the first response.
 */
export async function remixVideo(
  input: RemixVideoInput,
  deps: RemixVideoDeps,
  context?: Parameters<RequestIdempotency>[1],
): Promise<VideoResource> {
  const request = idempotentRequest('remix-video', input.caller.userId, input.idempotencyKey, {
    sourceVideoId: input.sourceVideoId,
    body: input.body,
  });
  return deps.idempotency(request, context, () => remix(input, deps));
}

async function remix(input: RemixVideoInput, deps: RemixVideoDeps): Promise<VideoResource> {
  const source = await findOwnVideo(deps.videos, input.caller, input.sourceVideoId);
  if (source.status !== 'completed' || source.providerVideoId === null) {
    throw new ConflictError(
      `Video ${source.videoId} is ${source.status}; only a completed video can be remixed`,
      'video_not_ready',
    );
  }
  const now = deps.clock();
  const createdAt = unixSeconds(now);
  const video: VideoRecord = {
    videoId: deps.newId(now.getTime()),
    userId: input.caller.userId,
    status: 'queued',
    progress: 0,
    prompt: input.body.prompt,
    model: source.model,
    seconds: source.seconds,
    size: source.size,
    metadata: {},
    remixedFromVideoId: source.videoId,
    remixSourceProviderVideoId: source.providerVideoId,
    createdAt,
    updatedAt: createdAt,
    completedAt: null,
    error: null,
    estimatedMicros: estimateMicros(source.model, source.size, source.seconds, deps.prices),
    chargedMicros: null,
    priceVersion: deps.prices.version,
    content: null,
    providerVideoId: null,
    providerCreateAttempts: 0,
    providerFirstAttemptAt: null,
  };
  deps.logger.appendKeys({ videoId: video.videoId, userId: video.userId, remixedFromVideoId: source.videoId });

  await deps.reservations.reserve(video, now);
  try {
    await deps.pipeline.start({ videoId: video.videoId, userId: video.userId });
  } catch (error) {
    deps.logger.error('Could not start the video pipeline', error as Error);
    await deps.releaser.release(video.videoId, {
      status: 'failed',
      error: { code: 'internal_error', message: 'The video could not be started' },
      now: unixSeconds(deps.clock()),
    });
    throw error;
  }

  deps.metrics.addMetric('VideosRequested', 'Count', 1);
  deps.metrics.addMetric('RemixesRequested', 'Count', 1);
  deps.logger.info('Remix requested', { model: video.model, seconds: video.seconds, size: video.size });
  return toVideoResource(video);
}

import { admitVideo, assertOffered, newVideoRecord, type VideoAdmissionDeps } from '../../shared/admission/admit-video';
import { type IdempotentRequest, idempotentRequest, type RequestIdempotency } from '../../shared/http/idempotency';
import type { VideoResource } from '../../shared/schemas';
import { toVideoResource } from '../../shared/video';
import type { CreateVideoInput } from './schema';

/** create-video's dependencies: the same as any video admission's. */
export type CreateVideoDeps = VideoAdmissionDeps;

/**
 * Creates a video: validates it can be priced, writes the record `queued` with its estimate reserved against the
 * caller's monthly budget and quotas (one transaction: a rejected request writes nothing and starts nothing),
 * then starts the pipeline execution named after the video id. If the start fails the video is marked failed and
 * its reservation released (never left queued with nothing behind it) and the error propagates (500).
 * With an Idempotency-Key, a repeat of the same request returns the first video (see admitVideo: also when the
 * first invocation crashed before its response was recorded).
 */
export async function createVideo(
  input: CreateVideoInput,
  deps: CreateVideoDeps,
  context?: Parameters<RequestIdempotency>[1],
): Promise<VideoResource> {
  const request = idempotentRequest('create-video', input.caller.userId, input.idempotencyKey, input.body);
  return deps.idempotency(request, context, () => create(input, deps, request));
}

async function create(
  input: CreateVideoInput,
  deps: CreateVideoDeps,
  request: IdempotentRequest | undefined,
): Promise<VideoResource> {
  const { body, caller } = input;
  assertOffered(body, deps);
  const now = deps.clock();
  const video = newVideoRecord(
    {
      videoId: deps.newId(now.getTime()),
      userId: caller.userId,
      prompt: body.prompt,
      model: body.model,
      seconds: body.seconds,
      size: body.size,
      metadata: body.metadata ?? {},
      remixedFromVideoId: null,
    },
    deps.prices,
    now,
  );
  deps.logger.appendKeys({ videoId: video.videoId, userId: video.userId });
  const admission = await admitVideo(video, now, deps, request);
  if (admission.replayed) {
    deps.logger.info('Video request repeated with its Idempotency-Key', { videoId: admission.video.videoId });
    return toVideoResource(admission.video);
  }

  deps.metrics.addMetric('VideosRequested', 'Count', 1);
  deps.logger.info('Video requested', { model: video.model, seconds: video.seconds, size: video.size });
  return toVideoResource(video);
}

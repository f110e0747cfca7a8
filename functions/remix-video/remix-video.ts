import { admitVideo, assertOffered, newVideoRecord, type VideoAdmissionDeps } from '../../shared/admission/admit-video';
import { ConflictError } from '../../shared/errors';
import { type IdempotentRequest, idempotentRequest, type RequestIdempotency } from '../../shared/http/idempotency';
import type { Caller } from '../../shared/http/types';
import type { RemixVideoBody, VideoResource } from '../../shared/schemas';
import { toVideoResource } from '../../shared/video';
import { findOwnVideo } from '../../shared/video-access';

export interface RemixVideoInput {
  caller: Caller;
  sourceVideoId: string;
  body: RemixVideoBody;
  idempotencyKey: string | undefined;
}

/** remix-video's dependencies: the same as any video admission's. */
export type RemixVideoDeps = VideoAdmissionDeps;

/**
 * POST /v1/videos/{id}/remix: a new video (`remixed_from_video_id` = the source) that the pipeline creates with
 * the provider's remix of the source's job. The source must be the caller's (404 otherwise) and completed (409
 * `video_not_ready` before). Model, size and seconds are the source's; like a create, the model must be on the
 * deployment's allowlist and priced at that size (400 otherwise), and the estimate is reserved.
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
  return deps.idempotency(request, context, () => remix(input, deps, request));
}

async function remix(
  input: RemixVideoInput,
  deps: RemixVideoDeps,
  request: IdempotentRequest | undefined,
): Promise<VideoResource> {
  const source = await findOwnVideo(deps.videos, input.caller, input.sourceVideoId);
  if (source.status !== 'completed' || source.providerVideoId === null) {
    throw new ConflictError(
      `Video ${source.videoId} is ${source.status}; only a completed video can be remixed`,
      'video_not_ready',
    );
  }
  // The source's model and size are the remix's: the deployment must still offer and price them, as for a create.
  assertOffered(source, deps, `the source video's model`);
  const now = deps.clock();
  const video = newVideoRecord(
    {
      videoId: deps.newId(now.getTime()),
      userId: input.caller.userId,
      prompt: input.body.prompt,
      model: source.model,
      seconds: source.seconds,
      size: source.size,
      metadata: {},
      remixedFromVideoId: source.videoId,
      remixSourceProviderVideoId: source.providerVideoId,
    },
    deps.prices,
    now,
  );
  deps.logger.appendKeys({ videoId: video.videoId, userId: video.userId, remixedFromVideoId: source.videoId });
  const admission = await admitVideo(video, now, deps, request);
  if (admission.replayed) {
    deps.logger.info('Remix request repeated with its Idempotency-Key', { videoId: admission.video.videoId });
    return toVideoResource(admission.video);
  }

  deps.metrics.addMetric('VideosRequested', 'Count', 1);
  deps.metrics.addMetric('RemixesRequested', 'Count', 1);
  deps.logger.info('Remix requested', { model: video.model, seconds: video.seconds, size: video.size });
  return toVideoResource(video);
}

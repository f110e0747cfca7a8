import {
  admitVideo,
  newVideoRecord,
  precheckAdmission,
  type VideoAdmissionDeps,
} from '../../shared/admission/admit-video';
import { priceOf } from '../../shared/catalogue/catalogue';
import { type IdempotentRequest, idempotentRequest, type RequestIdempotency } from '../../shared/http/idempotency';
import type { Caller } from '../../shared/http/types';
import {
  type ReferenceImage,
  type ReferenceImageSources,
  resolveReferenceImage,
} from '../../shared/images/reference-image';
import type { ContentRemover } from '../../shared/storage/content-remover';
import type { ObjectStore } from '../../shared/storage/object-store';
import type { CreateVideoBody, VideoResource } from '../../shared/video/schemas';
import { inputReferenceKey, toVideoResource, type VideoRecord } from '../../shared/video/video';

/** What POST /v1/videos asks for, validated. */
export interface CreateVideoInput {
  caller: Caller;
  body: CreateVideoBody;
  idempotencyKey: string | undefined;
}

/** create-video's dependencies: a video admission's, plus where a reference image comes from and is stored. */
export interface CreateVideoDeps extends VideoAdmissionDeps {
  /** Reads an upload (`file_id`) or fetches an `image_url` (through the SSRF guard). */
  images: ReferenceImageSources;
  /** Where the reference image is stored (under the video's prefix). */
  objects: Pick<ObjectStore, 'put'>;
  storage: Pick<ContentRemover, 'remove'>;
  bucket: string;
}

/**
 * Creates a video (its model, seconds and size already checked against the catalogue by the request schema) and,
 * with an `input_reference`, resolves and checks the image (400
 * or 413 with `param: input_reference` before anything is written, reserved or started; before the image is read or
 * fetched, a caller over its budget or quotas gets the reservation's 402/429, see precheckAdmission), stores the
 * image under the video's prefix, writes the record `queued` with its estimate reserved against the caller's monthly
 * budget and quotas (one transaction: a rejected request writes nothing and starts nothing), then starts the
 * pipeline execution named after the video id. If the start fails the video is marked failed and its reservation
 * released (never left queued with nothing behind it) and the error propagates (500).
 * With an Idempotency-Key, a repeat of the same request returns the first video (see admitVideo: also when the
 * first invocation crashed before its response was recorded); the image counts by its sha256, whichever way it came.
 */
export async function createVideo(
  input: CreateVideoInput,
  deps: CreateVideoDeps,
  context?: Parameters<RequestIdempotency>[1],
): Promise<VideoResource> {
  const { body, caller } = input;
  let image: ReferenceImage | undefined;
  if (body.input_reference !== undefined) {
    // Before the image is read or fetched: a caller its reservation would refuse drives no fetch.
    const { estimatedMicros } = priceOf(deps.catalogue, body.model, body.size, body.seconds);
    await precheckAdmission({ userId: caller.userId, estimatedMicros }, input.idempotencyKey, deps.clock(), deps);
    image = await resolveReferenceImage(body.input_reference, { userId: caller.userId, size: body.size }, deps.images);
  }
  // The image by its content: the same file, upload or URL content is the same request; new bytes are not.
  const hashed = image === undefined ? body : { ...body, input_reference: { sha256: image.sha256 } };
  const request = idempotentRequest('create-video', caller.userId, input.idempotencyKey, hashed);
  return deps.idempotency(request, context, () => create(input, deps, request, image));
}

async function create(
  input: CreateVideoInput,
  deps: CreateVideoDeps,
  request: IdempotentRequest | undefined,
  image: ReferenceImage | undefined,
): Promise<VideoResource> {
  const { body, caller } = input;
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
    deps.catalogue,
    now,
  );
  deps.logger.appendKeys({ videoId: video.videoId, userId: video.userId });
  if (image !== undefined) video.inputReference = await storeImage(video, image, deps);
  let admission: Awaited<ReturnType<typeof admitVideo>>;
  try {
    admission = await admitVideo(video, now, deps, request);
  } catch (error) {
    await removeImage(video, deps);
    throw error;
  }
  if (admission.replayed) {
    // The earlier video has its own copy of the image.
    await removeImage(video, deps);
    deps.logger.info('Video request repeated with its Idempotency-Key', { videoId: admission.video.videoId });
    return toVideoResource(admission.video);
  }

  deps.metrics.addMetric('VideosRequested', 'Count', 1);
  deps.logger.info('Video requested', {
    model: video.model,
    seconds: video.seconds,
    size: video.size,
    ...(image === undefined ? {} : { inputReference: image.source }),
  });
  return toVideoResource(video);
}

/** Stores the image before the record exists, so the pipeline never finds a record without its image. */
async function storeImage(
  video: VideoRecord,
  image: ReferenceImage,
  deps: CreateVideoDeps,
): Promise<NonNullable<VideoRecord['inputReference']>> {
  const key = inputReferenceKey(video.userId, video.videoId);
  await deps.objects.put(deps.bucket, key, image.data, image.contentType);
  return {
    bucket: deps.bucket,
    key,
    contentType: image.contentType,
    bytes: image.data.byteLength,
    width: image.width,
    height: image.height,
    sha256: image.sha256,
    source: image.source,
  };
}

/** Removes the image of a video that was not admitted; a failure is logged, never hides the request's own answer. */
async function removeImage(video: VideoRecord, deps: CreateVideoDeps): Promise<void> {
  if (video.inputReference === undefined || video.inputReference === null) return;
  try {
    await deps.storage.remove(video.inputReference.bucket, [video.inputReference.key]);
  } catch (error) {
    deps.logger.error('Could not remove the reference image of a video that was not admitted', error as Error);
  }
}

import type * as z from 'zod/mini';
import { derivableModel, derivedRouteOf } from '../catalogue/catalogue';
import { ConflictError, ValidationError } from '../errors';
import { type IdempotentRequest, idempotentRequest, type RequestIdempotency } from '../http/idempotency';
import { parseRequest } from '../http/parse-request';
import type { Caller } from '../http/types';
import { UploadedFile } from '../http/uploaded-file';
import { findOwnVideo } from '../video/access';
import type { VideoResource, VideoSeconds } from '../video/schemas';
import { type DerivationKind, deliveredSeconds, providerOf, toVideoResource, type VideoRecord } from '../video/video';
import { admitVideo, type NewVideo, newVideoRecord, type VideoAdmissionDeps } from './admit-video';

/** The longest video an extension may make (source plus extension), as the provider's extensions allow. */
export const MAX_EXTENDED_SECONDS = 20;

/** A request for a new video made from one of the caller's completed videos. */
export interface DerivedVideoRequest {
  caller: Caller;
  kind: 'remix' | DerivationKind;
  sourceVideoId: string;
  prompt: string;
  /** An extension's new segment; the other kinds keep the source's length as delivered. */
  seconds?: VideoSeconds;
  idempotencyKey: string | undefined;
}

/** What each kind is called in messages, metrics and idempotency records. */
const KINDS = {
  remix: { verb: 'remixed', metric: 'RemixesRequested', route: 'remix-video', log: 'Remix requested' },
  edit: { verb: 'edited', metric: 'EditsRequested', route: 'edit-video', log: 'Edit requested' },
  extension: { verb: 'extended', metric: 'ExtensionsRequested', route: 'extend-video', log: 'Extension requested' },
} as const;

/**
 * A new video made by the provider from one of the caller's videos: a remix (`POST /v1/videos/{id}/remix`), an
 * edit (`POST /v1/videos/edits`) or an extension (`POST /v1/videos/extensions`). The source must be the caller's
 * (404 otherwise) and completed (409 `video_not_ready` before). Model and size are the source's: the catalogue must
 * still offer that model at that size, for this kind of video, and an extension's `seconds` must be one of the
 * model's (400 otherwise, derivableModel); priced at the catalogue's current price, made at the source's provider. The estimate, reserved
 * like a create's, is for the seconds the provider generates and bills: the source's length as delivered for a remix
 * or an edit (an extended source's stitched length), the new segment for an extension (whose video lasts source, as
 * delivered, plus segment, at most {@link MAX_EXTENDED_SECONDS}).
 * With an Idempotency-Key, a repeat of the same request returns the first response.
 */
export async function admitDerivedVideo(
  input: DerivedVideoRequest,
  deps: VideoAdmissionDeps,
  context?: Parameters<RequestIdempotency>[1],
): Promise<VideoResource> {
  const request = idempotentRequest(KINDS[input.kind].route, input.caller.userId, input.idempotencyKey, {
    sourceVideoId: input.sourceVideoId,
    body: { prompt: input.prompt, ...(input.seconds === undefined ? {} : { seconds: input.seconds }) },
  });
  return deps.idempotency(request, context, () => derive(input, deps, request));
}

async function derive(
  input: DerivedVideoRequest,
  deps: VideoAdmissionDeps,
  request: IdempotentRequest | undefined,
): Promise<VideoResource> {
  const names = KINDS[input.kind];
  const source = await findOwnVideo(deps.videos, input.caller, input.sourceVideoId);
  if (source.status !== 'completed' || source.providerVideoId === null) {
    throw new ConflictError(
      `Video ${source.videoId} is ${source.status}; only a completed video can be ${names.verb}`,
      'video_not_ready',
    );
  }
  // The source's model and size are the new video's: the catalogue must still offer them, for this kind of video.
  derivableModel(deps.catalogue, source, input.kind, input.kind === 'extension' ? input.seconds : undefined);
  const now = deps.clock();
  const video: VideoRecord = newVideoRecord(
    {
      videoId: deps.newId(now.getTime()),
      userId: input.caller.userId,
      prompt: input.prompt,
      metadata: {},
      ...derivedVideoFields(input.kind, { ...source, providerVideoId: source.providerVideoId }, input.seconds),
    },
    deps.catalogue,
    now,
    // The provider holding the source's job makes the new one from it: the source's provider and provider model.
    derivedRouteOf(deps.catalogue, {
      ...source,
      provider: providerOf(source),
      providerModel: source.providerModel ?? source.model,
    }),
  );
  deps.logger.appendKeys({ videoId: video.videoId, userId: video.userId, sourceVideoId: source.videoId });
  const admission = await admitVideo(video, now, deps, request);
  if (admission.replayed) {
    deps.logger.info('Request repeated with its Idempotency-Key', { videoId: admission.video.videoId });
    return toVideoResource(admission.video);
  }

  deps.metrics.addMetric('VideosRequested', 'Count', 1);
  deps.metrics.addMetric(names.metric, 'Count', 1);
  deps.logger.info(names.log, { kind: input.kind, model: video.model, seconds: video.seconds, size: video.size });
  return toVideoResource(video);
}

/**
 * What a video made from `source` takes from it: model and size, the seconds the provider generates and bills, and
 * how it names its source. The provider takes the source as delivered: an extended source is its stitched length,
 * which a remix or an edit regenerates whole and an extension extends (the cap counts it whole). Throws a 400 on
 * `seconds` when an extension would pass {@link MAX_EXTENDED_SECONDS}.
 */
export function derivedVideoFields(
  kind: DerivedVideoRequest['kind'],
  source: VideoRecord & { providerVideoId: string },
  extensionSeconds: VideoSeconds | undefined,
): Pick<NewVideo, 'model' | 'seconds' | 'size' | 'remixedFromVideoId' | 'remixSourceProviderVideoId' | 'derivedFrom'> {
  const sourceSeconds = Number(deliveredSeconds(source));
  const seconds = kind === 'extension' ? (extensionSeconds ?? '4') : deliveredSeconds(source);
  if (kind === 'extension' && sourceSeconds + Number(seconds) > MAX_EXTENDED_SECONDS) {
    throw new ValidationError(
      `seconds: video ${source.videoId} lasts ${sourceSeconds} seconds; extended by ${seconds} it would exceed the ` +
        `${MAX_EXTENDED_SECONDS}-second maximum`,
      'seconds',
    );
  }
  const fields = { model: source.model, seconds, size: source.size };
  if (kind === 'remix') {
    return { ...fields, remixedFromVideoId: source.videoId, remixSourceProviderVideoId: source.providerVideoId };
  }
  return {
    ...fields,
    remixedFromVideoId: null,
    derivedFrom: { kind, videoId: source.videoId, providerVideoId: source.providerVideoId, sourceSeconds },
  };
}

/**
 * An edit's or extension's body parsed by `schema`, after one check of its own: OpenAI also takes an uploaded video
 * file as `video`, and reelflow edits and extends only the caller's own videos, so a file part is a 400 that says so
 * (rather than the schema's generic "expected an object").
 */
export function parseSourceVideoBody<S extends z.ZodMiniType>(schema: S, body: unknown): z.output<S> {
  if (typeof body === 'object' && body !== null && (body as { video?: unknown }).video instanceof UploadedFile) {
    throw new ValidationError(
      'video: only a video id is supported ({"id": "vid_..."}, or video[id] in a form); uploaded video files are not',
      'video',
    );
  }
  return parseRequest(schema, body);
}

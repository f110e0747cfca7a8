import type { VideoAdmissionDeps } from '../../shared/admission/admit-video';
import { admitDerivedVideo } from '../../shared/admission/derived-video';
import type { RequestIdempotency } from '../../shared/http/idempotency';
import type { Caller } from '../../shared/http/types';
import type { ExtendVideoBody, VideoResource } from '../../shared/video/schemas';

export interface ExtendVideoInput {
  caller: Caller;
  body: ExtendVideoBody;
  idempotencyKey: string | undefined;
}

/** extend-video's dependencies: the same as any video admission's. */
export type ExtendVideoDeps = VideoAdmissionDeps;

/**
 * POST /v1/videos/extensions: a new video (`derived_from` = the source, kind `extension`) that the pipeline creates
 * with the provider's extension of the source's job by `seconds`. It is priced and reserved for those seconds (what
 * the provider generates), and lasts the source's length plus them. Ownership, readiness, the catalogue (model, size, seconds), the
 * reservation and Idempotency-Key are those of every video made from another (admitDerivedVideo).
 */
export function extendVideo(
  input: ExtendVideoInput,
  deps: ExtendVideoDeps,
  context?: Parameters<RequestIdempotency>[1],
): Promise<VideoResource> {
  return admitDerivedVideo(
    {
      caller: input.caller,
      kind: 'extension',
      sourceVideoId: input.body.video.id,
      prompt: input.body.prompt,
      seconds: input.body.seconds,
      idempotencyKey: input.idempotencyKey,
    },
    deps,
    context,
  );
}

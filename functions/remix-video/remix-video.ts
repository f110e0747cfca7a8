import type { VideoAdmissionDeps } from '../../shared/admission/admit-video';
import { admitDerivedVideo } from '../../shared/admission/derived-video';
import type { RequestIdempotency } from '../../shared/http/idempotency';
import type { Caller } from '../../shared/http/types';
import type { RemixVideoBody, VideoResource } from '../../shared/video/schemas';

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
 * the provider's remix of the source's job; model, size and seconds are the source's. Ownership, readiness, the
 * catalogue (model and size still offered), the reservation and Idempotency-Key are those of every video made from
 * another (admitDerivedVideo).
 */
export function remixVideo(
  input: RemixVideoInput,
  deps: RemixVideoDeps,
  context?: Parameters<RequestIdempotency>[1],
): Promise<VideoResource> {
  return admitDerivedVideo(
    {
      caller: input.caller,
      kind: 'remix',
      sourceVideoId: input.sourceVideoId,
      prompt: input.body.prompt,
      idempotencyKey: input.idempotencyKey,
    },
    deps,
    context,
  );
}

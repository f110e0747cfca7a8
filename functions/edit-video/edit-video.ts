import type { VideoAdmissionDeps } from '../../shared/admission/admit-video';
import { admitDerivedVideo } from '../../shared/admission/derived-video';
import type { RequestIdempotency } from '../../shared/http/idempotency';
import type { Caller } from '../../shared/http/types';
import type { EditVideoBody, VideoResource } from '../../shared/video/schemas';

export interface EditVideoInput {
  caller: Caller;
  body: EditVideoBody;
  idempotencyKey: string | undefined;
}

/** edit-video's dependencies: the same as any video admission's. */
export type EditVideoDeps = VideoAdmissionDeps;

/**
 * POST /v1/videos/edits: a new video (`derived_from` = the source, kind `edit`) that the pipeline creates with the
 * provider's edit of the source's job; model, size and seconds are the source's. Ownership, readiness, the
 * catalogue (model and size still offered), the reservation and Idempotency-Key are those of every video made from
 * another (admitDerivedVideo).
 */
export function editVideo(
  input: EditVideoInput,
  deps: EditVideoDeps,
  context?: Parameters<RequestIdempotency>[1],
): Promise<VideoResource> {
  return admitDerivedVideo(
    {
      caller: input.caller,
      kind: 'edit',
      sourceVideoId: input.body.video.id,
      prompt: input.body.prompt,
      idempotencyKey: input.idempotencyKey,
    },
    deps,
    context,
  );
}

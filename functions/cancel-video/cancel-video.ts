import { ConflictError } from '../../shared/errors';
import type { Caller } from '../../shared/http/types';
import type { VideoCanceller } from '../../shared/money/release';
import type { AppLogger, AppMetrics } from '../../shared/observability/powertools';
import type { PipelineStopper } from '../../shared/pipeline/pipeline-stopper';
import type { ProviderGate } from '../../shared/provider/gate/provider-gate';
import { findOwnVideo } from '../../shared/video/access';
import type { VideoResource } from '../../shared/video/schemas';
import type { VideoRepository } from '../../shared/video/store';
import { isTerminal, toVideoResource, unixSeconds, type VideoRecord } from '../../shared/video/video';

export interface CancelVideoInput {
  caller: Caller;
  videoId: string;
}

export interface CancelVideoDeps {
  videos: Pick<VideoRepository, 'get'>;
  /**
   * Makes the video `cancelled` in one transaction (money module): charged 0 and its reservation given back when no
   * provider job can exist yet; otherwise (a job accepted, or a create sent and its answer not recorded) held
   * (charged null, active slot freed, reservation kept) until the reconciler settles it from the provider's outcome.
   */
  money: VideoCanceller;
  pipeline: PipelineStopper;
  /** The provider's admission gate: a video cancelled before the provider accepted a job leaves the line for a slot. */
  admission: Pick<ProviderGate, 'leaveQueue'>;
  clock: () => Date;
  logger: Pick<AppLogger, 'info' | 'warn' | 'appendKeys'>;
  metrics: AppMetrics;
}

/**
 * POST /v1/videos/{id}/cancel: the caller's video (404 otherwise) that is not terminal yet (409 `invalid_state`)
 * becomes `cancelled` (released at once, or held for the provider's outcome: `deps.money`); then its execution is
 * stopped (a failed stop is only logged: the pipeline ends at its next step) and, when released, the video leaves the
 * line for a job slot. Never calls the provider. What the caller sees, races included: docs/BEHAVIOUR.md, "Cancel".
 */
export async function cancelVideo(input: CancelVideoInput, deps: CancelVideoDeps): Promise<VideoResource> {
  const video = await findOwnVideo(deps.videos, input.caller, input.videoId);
  deps.logger.appendKeys({ videoId: video.videoId, userId: video.userId });
  if (isTerminal(video.status)) throw alreadyTerminal(video);

  const result = await deps.money.cancel(video.videoId, unixSeconds(deps.clock()));
  if (!result.applied || result.video === undefined || result.video.status !== 'cancelled') {
    throw alreadyTerminal(result.video ?? video);
  }

  try {
    await deps.pipeline.stop(video.videoId, {
      error: 'VideoCancelled',
      cause: 'Cancelled by its owner through the API',
    });
  } catch (error) {
    deps.logger.warn('Could not stop the execution of a cancelled video; it ends at its next step', error as Error);
  }
  if (!result.held) {
    // It may be waiting for a job slot; its stopped execution never asks again, so it leaves the line now rather than
    // count ahead of later videos until its entry goes stale.
    try {
      await deps.admission.leaveQueue(video.videoId);
    } catch (error) {
      deps.logger.warn('Could not take a cancelled video out of the line for a job slot; it lapses', error as Error);
    }
  }
  deps.metrics.addMetric('VideosCancelled', 'Count', 1);
  if (result.held) deps.metrics.addMetric('VideosCancelledAwaitingProvider', 'Count', 1);
  deps.logger.info('Video cancelled', {
    previousStatus: video.status,
    money: result.held ? 'held until the provider’s outcome' : 'released',
  });
  return toVideoResource(result.video);
}

function alreadyTerminal(video: VideoRecord): ConflictError {
  return new ConflictError(
    `Video ${video.videoId} is already ${video.status} and cannot be cancelled`,
    'invalid_state',
  );
}

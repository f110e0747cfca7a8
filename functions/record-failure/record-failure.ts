import type { ReservationReleaser } from '../../shared/money/release';
import { failureOf } from '../../shared/pipeline/failure';
import type { PipelineState } from '../../shared/pipeline/types';
import type { AppLogger, AppMetrics } from '../../shared/powertools';
import { unixSeconds } from '../../shared/video';

export interface RecordFailureDeps {
  /** Fails the video with charged 0 and gives its reservation back, once. */
  money: ReservationReleaser;
  clock: () => Date;
  logger: Pick<AppLogger, 'info' | 'warn'>;
  metrics: AppMetrics;
}

/**
 * RecordFailure: marks the video failed with the mapped error, charges 0 and releases its reservation in one
 * transaction, unless it is already settled (a cancelled video stays cancelled). Returns its input unchanged, so
 * the Fail state still sees `$.failure`.
 */
export async function recordFailure(input: PipelineState, deps: RecordFailureDeps): Promise<PipelineState> {
  const error = failureOf(input.failure);
  const result = await deps.money.release(input.videoId, {
    status: 'failed',
    error,
    now: unixSeconds(deps.clock()),
  });
  // Applied to a video another path already ended (e.g. cancelled) only released its reservation: not a failure.
  if (result.applied && result.video?.status === 'failed') {
    deps.metrics.addMetric('VideosFailed', 'Count', 1);
    deps.logger.info('Video failed', { code: error.code, failure: input.failure?.Error });
  } else {
    deps.logger.warn('Video not marked failed', {
      status: result.video?.status ?? 'missing',
      failure: input.failure?.Error,
    });
  }
  return input;
}

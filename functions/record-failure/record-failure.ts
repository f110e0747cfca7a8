import type { ReservationReleaser } from '../../shared/money/release';
import type { AppLogger, AppMetrics } from '../../shared/observability/powertools';
import { failureKind, failureOf } from '../../shared/pipeline/failure';
import type { PipelineState } from '../../shared/pipeline/types';
import type { ProviderGate } from '../../shared/provider/gate/provider-gate';
import { unixSeconds } from '../../shared/video/video';

export interface RecordFailureDeps {
  /** Fails the video with charged 0 and gives its reservation back, once. */
  money: ReservationReleaser;
  /** The admission gate: the failed video's job slot, or its place in the line, goes back. */
  gate: Pick<ProviderGate, 'releaseSlot'>;
  clock: () => Date;
  logger: Pick<AppLogger, 'info' | 'warn'>;
  /** `singleMetric()` gives a metric its own dimensions (the error code) without touching the others. */
  metrics: AppMetrics & { singleMetric(): AppMetrics & { addDimension(name: string, value: string): unknown } };
}

/**
 * RecordFailure: marks the video failed with the mapped error, charges 0 and releases its reservation in one
 * transaction, unless it is already settled (a cancelled video stays cancelled). Returns its input unchanged, so
 * the Fail state still sees `$.failure`. Then gives back the video's admission slot (or its place in line): a
 * failure that did not come from the provider ending the job (polls out of retries, timed out, storing failed,
 * out of gate waits) would otherwise hold it until its lease lapses (PROVIDER_SLOT_LEASE_SECONDS) and keep
 * waiting videos out meanwhile. A job still running at the provider may then overlap a new create; the provider's
 * own concurrency 429 is waited out by the rate-limit loop.
 */
export async function recordFailure(input: PipelineState, deps: RecordFailureDeps): Promise<PipelineState> {
  const error = failureOf(input.failure);
  const result = await deps.money.release(input.videoId, {
    status: 'failed',
    error,
    now: unixSeconds(deps.clock()),
  });
  // The video id is named on each line, not left to the logger's appended keys: in the local stack all functions
  // share one Logger, so the keys of another video's task, started meanwhile, can be on this line.
  const videoId = input.videoId;
  if (result.applied && result.video?.status === 'failed') {
    const kind = failureKind(error.code);
    deps.metrics.addMetric('VideosFailed', 'Count', 1);
    // The business metric, by code: what users see fail, for the dashboard (moderation blocks included).
    const byCode = deps.metrics.singleMetric();
    byCode.addDimension('ErrorCode', error.code);
    byCode.addMetric('VideosFailedByCode', 'Count', 1);
    // The paging signal: only failures an operator can act on; a refusal (moderation, invalid input) never counts.
    if (kind === 'infrastructure') deps.metrics.addMetric('VideosFailedInfrastructure', 'Count', 1);
    deps.logger.info('Video failed', { videoId, code: error.code, kind, failure: input.failure?.Error });
  } else if (result.video?.status === 'failed') {
    // This step ran again after it had released the video (e.g. the Task failed Sandbox.Timedout once the handler
    // had finished): the failure is recorded already; nothing is wrong.
    deps.logger.info('Video already failed; nothing to do', { videoId, failure: input.failure?.Error });
  } else {
    // Applied to a video another path already ended (e.g. cancelled) only released its reservation: not a failure.
    deps.logger.warn('Video not marked failed', {
      videoId,
      status: result.video?.status ?? 'missing',
      failure: input.failure?.Error,
    });
  }
  // Every execution that reaches here ends in VideoFailed; ExecutionsFailed beyond this count ended elsewhere
  // (RecordFailure out of retries): the RecordFailureExhausted alarm compares the two.
  deps.metrics.addMetric('FailuresRecorded', 'Count', 1);
  // After the money: a retried step releases again, which changes nothing.
  await deps.gate.releaseSlot(input.videoId);
  return input;
}

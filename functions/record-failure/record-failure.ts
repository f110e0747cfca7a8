import type { ReservationReleaser } from '../../shared/money/billing';
import type { PipelineState } from '../../shared/pipeline-types';
import type { AppLogger, AppMetrics } from '../../shared/powertools';
import { unixSeconds, type VideoFailure } from '../../shared/video';

export interface RecordFailureDeps {
  /** Fails the video with charged 0 and gives its reservation back, once. */
  money: ReservationReleaser;
  clock: () => Date;
  logger: Pick<AppLogger, 'info' | 'warn'>;
  metrics: AppMetrics;
}

/** The message inside a Cause: a Lambda error JSON `{"errorType","errorMessage"}` or a plain message. */
export function causeMessage(cause: string | undefined): string {
  if (cause === undefined || cause === '') return '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed?.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // Not JSON: the Cause is the message itself.
  }
  return cause;
}

/**
 * The video's `error` for a caught failure: GenerationFailedError → the provider's code (the message's prefix);
 * GenerationTimedOutError or States.Timeout → `timed_out`; ContentExpiredError → `expired`; anything else →
 * `provider_failed`. Messages are for the video's owner: internal detail stays in the logs.
 */
export function failureOf(failure: { Error?: string; Cause?: string } | undefined): VideoFailure {
  const name = failure?.Error ?? '';
  const message = causeMessage(failure?.Cause);
  switch (name) {
    case 'GenerationFailedError': {
      const match = /^([A-Za-z0-9_.-]+):\s*([\s\S]*)$/.exec(message);
      return match === null
        ? { code: 'provider_failed', message: message || 'The provider failed to generate the video' }
        : { code: match[1]!, message: match[2] || 'The provider failed to generate the video' };
    }
    case 'GenerationTimedOutError':
    case 'States.Timeout':
      return { code: 'timed_out', message: 'The video did not finish in time' };
    case 'ContentExpiredError':
      return { code: 'expired', message: 'The generated video expired before it could be stored' };
    default:
      return { code: 'provider_failed', message: 'The video could not be generated' };
  }
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

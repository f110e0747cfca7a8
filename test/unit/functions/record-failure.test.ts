import { describe, expect, it } from 'vitest';
import { type RecordFailureDeps, recordFailure } from '../../../functions/record-failure/record-failure';
import { failureOf } from '../../../shared/pipeline/failure';
import type { PipelineState } from '../../../shared/pipeline/types';
import { aVideo, FakeProviderGate, fakeLogger, fakeMetrics, fixedClock, InMemoryVideoRepository } from '../fakes/fakes';
import { InMemoryBilling } from '../money/in-memory-billing';

const videoId = 'vid_01JD0000000000000000000000';
const lambdaCause = (errorType: string, errorMessage: string) =>
  JSON.stringify({ errorType, errorMessage, trace: ['at somewhere'] });

function setup(overrides: Parameters<typeof aVideo>[0] = {}) {
  const videos = new InMemoryVideoRepository([aVideo({ status: 'in_progress', ...overrides })]);
  const metrics = fakeMetrics();
  const gate = new FakeProviderGate();
  const deps: RecordFailureDeps = {
    money: new InMemoryBilling(videos),
    gate,
    clock: fixedClock(),
    logger: fakeLogger(),
    metrics,
  };
  return { videos, metrics, deps, gate };
}

describe('record-failure', () => {
  it('gives the failed video’s admission slot back after releasing its reservation', async () => {
    // Prepare: the video holds a slot; its polls ran out of retries, so the poll never freed it.
    const { videos, deps, gate } = setup();
    await gate.acquireSlot(videoId);
    const state = {
      videoId,
      userId: 'alice',
      failure: { Error: 'RetryableProviderError', Cause: lambdaCause('RetryableProviderError', 'provider down') },
    } as PipelineState;

    // Act
    await recordFailure(state, deps);

    // Assess
    expect(videos.videos.get(videoId)?.status).toBe('failed');
    expect(gate.released).toEqual([videoId]);
    expect(gate.holders.has(videoId)).toBe(false);
  });

  it.each([
    [
      {
        Error: 'GenerationFailedError',
        Cause: lambdaCause('GenerationFailedError', 'moderation_blocked: Blocked by policy'),
      },
      'moderation_blocked',
      'Blocked by policy',
    ],
    [{ Error: 'GenerationFailedError', Cause: 'content_policy_violation: No' }, 'content_policy_violation', 'No'],
    [
      {
        Error: 'ProviderRejectedError',
        Cause: lambdaCause('ProviderRejectedError', 'moderation_blocked: Blocked at create'),
      },
      'moderation_blocked',
      'Blocked at create',
    ],
    [
      { Error: 'GenerationTimedOutError', Cause: lambdaCause('GenerationTimedOutError', 'too many polls') },
      'timed_out',
      undefined,
    ],
    [{ Error: 'States.Timeout', Cause: '' }, 'timed_out', undefined],
    [{ Error: 'ContentExpiredError', Cause: lambdaCause('ContentExpiredError', 'gone') }, 'expired', undefined],
    [
      { Error: 'PermanentProviderError', Cause: lambdaCause('PermanentProviderError', 'Provider create answered 400') },
      'provider_failed',
      undefined,
    ],
    [{ Error: 'States.TaskFailed', Cause: 'whatever' }, 'provider_failed', undefined],
  ])('maps %j to error code %s', (failure, code, message) => {
    // Act
    const mapped = failureOf(failure);

    // Assess
    expect(mapped.code).toBe(code);
    if (message !== undefined) expect(mapped.message).toBe(message);
    expect(mapped.message.length).toBeGreaterThan(0);
  });

  it('marks the video failed, charges 0 and returns its input unchanged', async () => {
    // Prepare
    const { videos, metrics, deps } = setup();
    const state: PipelineState = {
      videoId,
      userId: 'alice',
      failure: {
        Error: 'GenerationFailedError',
        Cause: lambdaCause('GenerationFailedError', 'moderation_blocked: Blocked'),
      },
    };

    // Act
    const output = await recordFailure(state, deps);

    // Assess
    expect(output).toBe(state);
    expect(videos.videos.get(videoId)).toMatchObject({
      status: 'failed',
      chargedMicros: 0,
      error: { code: 'moderation_blocked', message: 'Blocked' },
    });
    expect(metrics.total('VideosFailed')).toBe(1);
  });

  it.each([
    ['GenerationFailedError', 'moderation_blocked: Blocked', 'moderation_blocked', 0],
    ['GenerationFailedError', 'server_error: Provider crashed', 'server_error', 1],
    ['States.TaskFailed', 'boom', 'provider_failed', 1],
    ['GenerationTimedOutError', 'too many polls', 'timed_out', 1],
  ])('counts a %s (%s) by code %s, and as infrastructure %i times', async (name, message, code, infrastructure) => {
    // Prepare
    const { metrics, deps } = setup();

    // Act
    await recordFailure(
      { videoId, userId: 'alice', failure: { Error: name, Cause: lambdaCause(name, message) } },
      deps,
    );

    // Assess
    expect(metrics.added).toContainEqual({
      name: 'VideosFailedByCode',
      unit: 'Count',
      value: 1,
      dimensions: { ErrorCode: code },
    });
    expect(metrics.total('VideosFailedInfrastructure')).toBe(infrastructure);
    expect(metrics.total('FailuresRecorded')).toBe(1);
  });

  it('never overwrites a terminal status', async () => {
    // Prepare
    const { videos, metrics, deps } = setup({ status: 'cancelled' });
    const state: PipelineState = { videoId, userId: 'alice', failure: { Error: 'States.Timeout', Cause: '' } };

    // Act
    const output = await recordFailure(state, deps);

    // Assess
    expect(output).toBe(state);
    expect(videos.videos.get(videoId)?.status).toBe('cancelled');
    expect(metrics.total('VideosFailed')).toBe(0);
    expect(metrics.total('VideosFailedInfrastructure')).toBe(0);
    expect(metrics.total('FailuresRecorded')).toBe(1);
  });

  it('logs a re-run after the video was failed (Sandbox.Timedout once the handler had run) as info, naming the video', async () => {
    // Prepare
    const { videos, metrics, deps } = setup();
    const logger = fakeLogger();
    deps.logger = logger;
    const state: PipelineState = { videoId, userId: 'alice', failure: { Error: 'States.Timeout', Cause: '' } };
    await recordFailure(state, deps);

    // Act
    await recordFailure(state, deps);

    // Assess
    expect(videos.videos.get(videoId)?.status).toBe('failed');
    expect(metrics.total('VideosFailed')).toBe(1);
    expect(logger.warn).not.toHaveBeenCalled();
    expect(logger.info).toHaveBeenLastCalledWith('Video already failed; nothing to do', {
      videoId,
      failure: 'States.Timeout',
    });
    expect(logger.info.mock.calls.every(([, attributes]) => attributes.videoId === videoId)).toBe(true);
  });
});

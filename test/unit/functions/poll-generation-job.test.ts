import { describe, expect, it } from 'vitest';
import {
  type PollGenerationJobDeps,
  pollGenerationJob,
  pollInput,
} from '../../../functions/poll-generation-job/poll-generation-job';
import { GenerationTimedOutError, RetryableProviderError } from '../../../shared/errors';
import { nextWaitSeconds, POLL_POLICY } from '../../../shared/pipeline/poll-policy';
import type { JobState } from '../../../shared/pipeline/types';
import { GatedVideoProvider } from '../../../shared/provider/gate/gated-provider';
import {
  aProviderJob,
  aVideo,
  FakeProvider,
  FakeProviderGate,
  fakeLogger,
  fakeMetrics,
  fixedClock,
  InMemoryVideoRepository,
} from '../fakes/fakes';

const videoId = 'vid_01JD0000000000000000000000';
const job: JobState = { providerVideoId: 'video_abc', status: 'queued', progress: 0, polls: 2, waitSeconds: 9 };

function setup() {
  const videos = new InMemoryVideoRepository([aVideo({ providerVideoId: 'video_abc' })]);
  const provider = new FakeProvider();
  const metrics = fakeMetrics();
  const gate = new FakeProviderGate();
  const deps: PollGenerationJobDeps = {
    videos,
    provider,
    clock: fixedClock(),
    logger: fakeLogger(),
    metrics,
    random: () => 0.5,
    gate,
  };
  return { videos, provider, metrics, deps, gate };
}

describe('poll-generation-job', () => {
  it('aims its wait at the model’s expected duration, carrying it on, when the provider reports no progress', async () => {
    // Prepare: 6 s waited before, 9 s before this poll: 15 s since the create, of a 60 s job.
    const { videos, deps } = setup();
    const provider = new FakeProvider({ progress: false });
    provider.retrieveResults = [aProviderJob({ status: 'in_progress', progress: 0 })];
    deps.provider = provider;
    const started: JobState = { ...job, status: 'in_progress', progressAgeSeconds: 6, expectedJobSeconds: 60 };

    // Act
    const next = await pollGenerationJob({ videoId, userId: 'alice', job: started }, deps);

    // Assess: 45 s left + 1 s margin, × 0.9 (jitter) → 42 s; the track ages by the 9 s waited.
    expect(next).toEqual({
      providerVideoId: 'video_abc',
      status: 'in_progress',
      progress: 0,
      polls: 3,
      waitSeconds: 42,
      progressAgeSeconds: 15,
      expectedJobSeconds: 60,
    });
    expect(videos.videos.get(videoId)).toMatchObject({ status: 'in_progress', progress: 0 });
    // What the task reads back from its own output (the next poll's input).
    expect(pollInput({ videoId, userId: 'alice', job: next }).job).toEqual(next);
  });

  it('returns in_progress with progress and a wait aimed at the predicted finish, and mirrors it on the video', async () => {
    // Prepare
    const { videos, provider, metrics, deps } = setup();
    provider.retrieveResults = [aProviderJob({ status: 'in_progress', progress: 42 })];

    // Act
    const next = await pollGenerationJob({ videoId, userId: 'alice', job }, deps);

    // Assess: 0 → 42 points over the 9 s waited; 58 points left ≈ 12.4 s, + 1 s margin, × 0.9 (jitter) → 13 s.
    expect(next).toEqual({
      providerVideoId: 'video_abc',
      status: 'in_progress',
      progress: 42,
      polls: 3,
      waitSeconds: 13,
      progressAgeSeconds: 0,
      progressPerSecond: 42 / 9,
    });
    expect(videos.videos.get(videoId)).toMatchObject({ status: 'in_progress', progress: 42 });
    expect(metrics.total('Polls')).toBe(1);
  });

  it('returns the growing wait with strategy backoff, as before progress-aware polling', async () => {
    // Prepare
    const { provider, deps } = setup();
    provider.retrieveResults = [aProviderJob({ status: 'in_progress', progress: 42 })];

    // Act
    const next = await pollGenerationJob({ videoId, userId: 'alice', job }, { ...deps, strategy: 'backoff' });

    // Assess
    expect(next).toMatchObject({ status: 'in_progress', progress: 42, polls: 3 });
    expect(next.waitSeconds).toBe(nextWaitSeconds(3, { random: () => 0.5 }));
  });

  it('returns a longer wait when progress stood still since the previous poll', async () => {
    // Prepare: 2 points a second until 90%, then nothing moved during a 10 s wait (after 5 s already at 90%).
    const { provider, deps } = setup();
    provider.retrieveResults = [aProviderJob({ status: 'in_progress', progress: 90 })];
    const moving: JobState = {
      ...job,
      status: 'in_progress',
      progress: 90,
      waitSeconds: 10,
      progressAgeSeconds: 5,
      progressPerSecond: 2,
    };

    // Act
    const next = await pollGenerationJob({ videoId, userId: 'alice', job: moving }, deps);

    // Assess: at most one point in 15 s: 10 points ≈ 150 s, capped at 60, × 0.9 (jitter).
    expect(next).toMatchObject({ progress: 90, progressAgeSeconds: 15, progressPerSecond: 2, waitSeconds: 54 });
  });

  it('returns completed and records generation seconds when the provider finished', async () => {
    // Prepare
    const { provider, metrics, deps } = setup();
    provider.retrieveResults = [
      aProviderJob({ status: 'completed', progress: 100, createdAt: 1_000, completedAt: 1_090 }),
    ];

    // Act
    const next = await pollGenerationJob({ videoId, userId: 'alice', job }, deps);

    // Assess
    expect(next).toMatchObject({ status: 'completed', progress: 100, polls: 3 });
    expect(metrics.total('GenerationSeconds')).toBe(90);
  });

  it('throws GenerationFailedError "<code>: <message>" when the provider job failed', async () => {
    // Prepare
    const { provider, deps } = setup();
    provider.retrieveResults = [
      aProviderJob({ status: 'failed', error: { code: 'moderation_blocked', message: 'The prompt was blocked' } }),
    ];

    // Act / Assess
    await expect(pollGenerationJob({ videoId, userId: 'alice', job }, deps)).rejects.toMatchObject({
      name: 'GenerationFailedError',
      code: 'moderation_blocked',
      message: 'moderation_blocked: The prompt was blocked',
    });
  });

  it('returns the same job with a wait honouring retry-after when the provider answers 429', async () => {
    // Prepare
    const { videos, provider, deps } = setup();
    provider.retrieveResults = [
      new RetryableProviderError('Provider retrieve answered 429: slow down', {
        retryAfterSeconds: 45,
        rateLimited: true,
      }),
    ];

    // Act
    const next = await pollGenerationJob({ videoId, userId: 'alice', job }, deps);

    // Assess: nothing seen, so the progress track only ages by the 9 s waited.
    expect(next).toEqual({ ...job, polls: 3, waitSeconds: 45, progressAgeSeconds: 9 });
    expect(videos.videos.get(videoId)?.status).toBe('queued');
  });

  it('renews the job’s slot at a poll, frees it when the job completed, and takes one token a poll, none ahead for the download', async () => {
    const { provider, deps, gate } = setup();
    gate.tokens = 5;
    deps.provider = new GatedVideoProvider(provider, gate);
    provider.retrieveResults = [
      aProviderJob({ status: 'in_progress', progress: 40 }),
      aProviderJob({ status: 'completed', progress: 100 }),
    ];

    const running = await pollGenerationJob({ videoId, userId: 'alice', job }, deps);
    const done = await pollGenerationJob({ videoId, userId: 'alice', job: running }, deps);

    expect(gate.renewed).toEqual([videoId, videoId]);
    expect(gate.released).toEqual([videoId]);
    expect(done).toMatchObject({ status: 'completed', polls: 4 });
    // StoreVideoInS3 takes each download's token just before its request.
    expect(gate.tokens).toBe(3);
  });

  it('does not read the job again when the provider’s webhook resumed the execution: frees the slot and records it', async () => {
    // Prepare: WaitForProviderWebhook's result (the receiver read the job: completed 100 s after its create).
    const { videos, provider, metrics, deps, gate } = setup();
    provider.retrieveResults = [new Error('the provider was read again')];
    const resumed: JobState = {
      providerVideoId: 'video_abc',
      status: 'completed',
      progress: 100,
      polls: 0,
      waitSeconds: 1,
      resumedBy: 'webhook',
      createdAt: 1_763_700_000,
      completedAt: 1_763_700_100,
    };

    // Act
    const done = await pollGenerationJob({ videoId, userId: 'alice', job: resumed }, deps);

    // Assess: no request spent, the same answer and bookkeeping as a poll that saw it completed.
    expect(provider.retrieveResults).toHaveLength(1);
    expect(done).toMatchObject({ providerVideoId: 'video_abc', status: 'completed', progress: 100, polls: 1 });
    expect(done).not.toHaveProperty('resumedBy');
    expect(gate.released).toEqual([videoId]);
    expect(metrics.total('Polls')).toBe(0);
    expect(metrics.total('GenerationSeconds')).toBe(100);
    expect(videos.videos.get(videoId)).toMatchObject({ status: 'in_progress', progress: 100 });
  });

  it('reads the job when the webhook woke the execution without reading it (the receiver had no gate token)', async () => {
    const { provider, deps } = setup();
    provider.retrieveResults = [
      aProviderJob({ status: 'completed', progress: 100, createdAt: 1_000, completedAt: 1_090 }),
    ];
    const woken: JobState = {
      providerVideoId: 'video_abc',
      status: 'in_progress',
      progress: 0,
      polls: 0,
      waitSeconds: 1,
      resumedBy: 'webhook',
      createdAt: null,
      completedAt: null,
    };

    const done = await pollGenerationJob({ videoId, userId: 'alice', job: woken }, deps);

    expect(provider.retrieveResults).toHaveLength(0);
    expect(done).toMatchObject({ status: 'completed', progress: 100, polls: 1 });
  });

  it('frees the job’s slot when the provider job failed', async () => {
    const { provider, deps, gate } = setup();
    provider.retrieveResults = [aProviderJob({ status: 'failed', error: { code: 'internal_error', message: 'x' } })];

    await pollGenerationJob({ videoId, userId: 'alice', job }, deps).catch(() => undefined);

    expect(gate.released).toEqual([videoId]);
  });

  it('throws RetryableProviderError when the provider answers 5xx', async () => {
    // Prepare
    const { provider, deps } = setup();
    provider.retrieveResults = [new RetryableProviderError('Provider retrieve answered 502: bad gateway')];

    // Act / Assess
    await expect(pollGenerationJob({ videoId, userId: 'alice', job }, deps)).rejects.toBeInstanceOf(
      RetryableProviderError,
    );
  });

  it('throws GenerationTimedOutError without calling the provider when maxPolls polls were made', async () => {
    // Prepare
    const { provider, deps } = setup();
    provider.retrieveResults = [new Error('must not be called')];

    // Act / Assess
    await expect(
      pollGenerationJob({ videoId, userId: 'alice', job: { ...job, polls: POLL_POLICY.maxPolls } }, deps),
    ).rejects.toBeInstanceOf(GenerationTimedOutError);
    expect(provider.retrieveResults).toHaveLength(1);
  });

  it('throws a plain error when the state has no job', () => {
    // Act / Assess
    expect(() => pollInput({ videoId, userId: 'alice' })).toThrow();
  });

  it('throws ConflictError when the video was cancelled while the job ran', async () => {
    // Prepare
    const { videos, provider, deps } = setup();
    videos.videos.get(videoId)!.status = 'cancelled';
    provider.retrieveResults = [aProviderJob({ status: 'in_progress', progress: 10 })];

    // Act / Assess
    await expect(pollGenerationJob({ videoId, userId: 'alice', job }, deps)).rejects.toMatchObject({
      name: 'ConflictError',
    });
    expect(videos.videos.get(videoId)?.status).toBe('cancelled');
  });
});

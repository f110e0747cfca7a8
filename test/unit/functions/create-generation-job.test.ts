import { describe, expect, it } from 'vitest';
import {
  type CreateGenerationJobDeps,
  createGenerationJob,
  STALE_GRANT_MS,
} from '../../../functions/create-generation-job/create-generation-job';
import {
  ConflictError,
  GenerationFailedError,
  PermanentProviderError,
  ProviderRateLimitedError,
  ProviderRejectedError,
  RetryableProviderError,
} from '../../../shared/errors';
import { type ReconcileWorkItem, reconcileWorkItemFor } from '../../../shared/money/reconciliation';
import { failureOf } from '../../../shared/pipeline/failure';
import { jobFingerprint } from '../../../shared/pipeline/orphaned-job';
import { nextWaitSeconds, RATE_LIMITED_CREATE_POLICY } from '../../../shared/pipeline/poll-policy';
import { GatedVideoProvider } from '../../../shared/provider/gate/gated-provider';
import { PROVIDER_GATE_POLICY } from '../../../shared/provider/gate/policy';
import {
  anInputReference,
  aProviderJob,
  aVideo,
  FakeProvider,
  FakeProviderGate,
  fakeHeldCancelJobs,
  fakeLogger,
  fakeMetrics,
  fixedClock,
  InMemoryVideoRepository,
} from '../fakes/fakes';

const input = { videoId: 'vid_01JD0000000000000000000000', userId: 'alice' };

function setup(videoOverrides: Parameters<typeof aVideo>[0] = {}, stored: Record<string, Buffer> = {}) {
  const videos = new InMemoryVideoRepository([aVideo(videoOverrides)]);
  const provider = new FakeProvider();
  const metrics = fakeMetrics();
  const handedOver: ReconcileWorkItem[] = [];
  const gate = new FakeProviderGate();
  const deps: CreateGenerationJobDeps = {
    videos,
    provider,
    reconcile: {
      add: async (item) => {
        handedOver.push(item);
      },
    },
    heldCancels: fakeHeldCancelJobs(videos),
    clock: fixedClock('2025-11-21T04:40:00Z'),
    logger: fakeLogger(),
    metrics,
    adoptionSkewSeconds: 120,
    gate,
    random: () => 0.5,
    objects: { get: async (bucket, key) => stored[`${bucket}/${key}`] },
  };
  return { videos, provider, metrics, handedOver, deps, gate };
}

/** A clock that moves `ms` while recordCreateAttempt runs: a slow table write between the gate's grant and the create. */
function slowAttemptRecording(videos: InMemoryVideoRepository, deps: CreateGenerationJobDeps, ms: number): void {
  let now = Date.parse('2025-11-21T04:40:00Z');
  deps.clock = () => new Date(now);
  const record = videos.recordCreateAttempt.bind(videos);
  videos.recordCreateAttempt = async (videoId, at) => {
    now += ms;
    return record(videoId, at);
  };
}

describe('create-generation-job', () => {
  it('sends the stored reference image of a video made from one as the provider create’s input_reference', async () => {
    // Prepare
    const image = Buffer.from('png bytes');
    const key = `videos/alice/${input.videoId}/input-reference`;
    const inputReference = {
      bucket: 'b',
      key,
      contentType: 'image/png' as const,
      bytes: image.byteLength,
      width: 720,
      height: 1280,
      sha256: 'abc',
      source: 'file' as const,
    };
    const { provider, deps } = setup({ inputReference }, { [`b/${key}`]: image });

    // Act
    await createGenerationJob(input, deps);

    // Assess
    expect(provider.created).toEqual([
      {
        prompt: 'A cat playing piano',
        model: 'sora-2',
        seconds: '4',
        size: '720x1280',
        inputReference: { data: image, contentType: 'image/png', filename: 'input-reference.png' },
      },
    ]);
  });

  it('fails the attempt (before any provider call) when the stored reference image is gone', async () => {
    // Prepare
    const inputReference = {
      bucket: 'b',
      key: 'videos/alice/gone',
      contentType: 'image/png' as const,
      bytes: 1,
      width: 720,
      height: 1280,
      sha256: 'abc',
      source: 'file' as const,
    };
    const { provider, deps } = setup({ inputReference });

    // Act / Assess
    await expect(createGenerationJob(input, deps)).rejects.toThrow('is missing from storage');
    expect(provider.created).toEqual([]);
  });

  it('records the attempt before creating the job, then saves and claims it, on a first attempt', async () => {
    // Prepare
    const { videos, provider, deps } = setup();
    let attemptsWhenCreated = -1;
    const create = provider.create.bind(provider);
    provider.create = async (params) => {
      attemptsWhenCreated = videos.videos.get(input.videoId)!.providerCreateAttempts;
      return create(params);
    };

    // Act
    const job = await createGenerationJob(input, deps);

    // Assess
    expect(attemptsWhenCreated).toBe(1);
    expect(provider.created).toEqual([
      { prompt: 'A cat playing piano', model: 'sora-2', seconds: '4', size: '720x1280' },
    ]);
    expect(job).toEqual({
      providerVideoId: 'video_new1',
      status: 'queued',
      progress: 0,
      polls: 0,
      waitSeconds: nextWaitSeconds(0, { random: () => 0.5 }),
    });
    expect(videos.videos.get(input.videoId)?.providerVideoId).toBe('video_new1');
    expect(videos.claims.get('video_new1')).toBe(input.videoId);
  });

  it("creates the job with the provider's model id recorded at admission, and adopts an orphan by it", async () => {
    // Prepare: a catalogue model `kite-fast` routed to the provider's sora-2.
    const first = setup({ model: 'kite-fast', providerModel: 'sora-2' });
    const firstAttemptAt = 1_763_700_050;
    const retried = setup({
      model: 'kite-fast',
      providerModel: 'sora-2',
      providerCreateAttempts: 1,
      providerFirstAttemptAt: firstAttemptAt,
    });
    retried.provider.jobs = [aProviderJob({ id: 'video_orphan', model: 'sora-2', createdAt: firstAttemptAt + 1 })];

    // Act
    await createGenerationJob(input, first.deps);
    const adopted = await createGenerationJob(input, retried.deps);

    // Assess
    expect(first.provider.created).toEqual([
      { prompt: 'A cat playing piano', model: 'sora-2', seconds: '4', size: '720x1280' },
    ]);
    expect(adopted).toMatchObject({ providerVideoId: 'video_orphan' });
    expect(retried.provider.created).toEqual([]);
  });

  it('adopts the earlier job even when an eventually consistent read still shows no attempt', async () => {
    // Prepare: the first attempt was recorded and the provider accepted its job, but its answer was lost; a quick
    // retry's eventually consistent read may still return the item as it was before that attempt.
    const firstAttemptAt = 1_763_700_050;
    const { videos, provider, deps } = setup({ providerCreateAttempts: 1, providerFirstAttemptAt: firstAttemptAt });
    provider.jobs = [aProviderJob({ id: 'video_orphan', status: 'queued', createdAt: firstAttemptAt + 1 })];
    const read = videos.get.bind(videos);
    videos.get = async (videoId: string, options?: { consistent?: boolean }) => {
      const video = await read(videoId);
      if (video === undefined || options?.consistent === true) return video;
      return { ...video, providerCreateAttempts: 0, providerFirstAttemptAt: null };
    };

    // Act
    const job = await createGenerationJob(input, deps);

    // Assess
    expect(provider.created).toHaveLength(0);
    expect(job).toMatchObject({ providerVideoId: 'video_orphan' });
  });

  it('adopts the job an earlier attempt created and never creates a second one when retried', async () => {
    // Prepare: the first attempt was recorded at t, the provider accepted the job, then the Lambda died.
    const firstAttemptAt = 1_763_700_050;
    const { videos, provider, deps } = setup({ providerCreateAttempts: 1, providerFirstAttemptAt: firstAttemptAt });
    provider.jobs = [
      aProviderJob({ id: 'video_other_prompt', prompt: 'A dog', createdAt: firstAttemptAt + 5 }),
      aProviderJob({ id: 'video_orphan', status: 'in_progress', progress: 12, createdAt: firstAttemptAt + 1 }),
      aProviderJob({ id: 'video_too_old', createdAt: firstAttemptAt - 3600 }),
    ];

    // Act
    const job = await createGenerationJob(input, deps);

    // Assess
    expect(provider.created).toHaveLength(0);
    expect(job).toMatchObject({ providerVideoId: 'video_orphan', status: 'in_progress', progress: 12, polls: 0 });
    expect(videos.videos.get(input.videoId)).toMatchObject({ providerVideoId: 'video_orphan', status: 'in_progress' });
    expect(videos.claims.get('video_orphan')).toBe(input.videoId);
  });

  it('creates a new job when the matching orphan is claimed by another video', async () => {
    // Prepare
    const firstAttemptAt = 1_763_700_050;
    const { videos, provider, deps } = setup({ providerCreateAttempts: 1, providerFirstAttemptAt: firstAttemptAt });
    provider.jobs = [aProviderJob({ id: 'video_someone_elses', createdAt: firstAttemptAt + 1 })];
    videos.claims.set('video_someone_elses', 'vid_OTHER');

    // Act
    const job = await createGenerationJob(input, deps);

    // Assess
    expect(provider.created).toHaveLength(1);
    expect(job).toMatchObject({ providerVideoId: 'video_new1' });
    expect(videos.claims.get('video_someone_elses')).toBe('vid_OTHER');
  });

  it('ignores jobs older than the first attempt minus the skew when looking for an orphan', async () => {
    // Prepare
    const firstAttemptAt = 1_763_700_050;
    const { provider, deps } = setup({ providerCreateAttempts: 1, providerFirstAttemptAt: firstAttemptAt });
    provider.jobs = [aProviderJob({ id: 'video_old', createdAt: firstAttemptAt - 121 })];

    // Act
    const job = await createGenerationJob(input, deps);

    // Assess
    expect(job).toMatchObject({ providerVideoId: 'video_new1' });
  });

  it('returns the saved job without calling the provider when the job id is already stored', async () => {
    // Prepare
    const { provider, deps } = setup({
      providerVideoId: 'video_saved',
      status: 'in_progress',
      progress: 30,
      providerCreateAttempts: 1,
    });

    // Act
    const job = await createGenerationJob(input, deps);

    // Assess
    expect(job).toMatchObject({ providerVideoId: 'video_saved', status: 'in_progress', progress: 30, polls: 0 });
    expect(provider.created).toHaveLength(0);
  });

  it('creates exactly one job across a crash after create and the retry that follows', async () => {
    // Prepare: the first invocation's save fails after the provider accepted the job.
    const { videos, provider, deps } = setup();
    const save = videos.saveProviderJob.bind(videos);
    videos.saveProviderJob = async () => {
      throw new Error('Lambda timed out');
    };
    await expect(createGenerationJob(input, deps)).rejects.toThrow('Lambda timed out');
    videos.saveProviderJob = save;

    // Act
    const job = await createGenerationJob(input, deps);

    // Assess
    expect(provider.created).toHaveLength(1);
    expect(job).toMatchObject({ providerVideoId: 'video_new1' });
    // Both invocations recorded an attempt before deciding; the second adopted the first one's job.
    expect(videos.videos.get(input.videoId)?.providerCreateAttempts).toBe(2);
  });

  describe('adoption never crosses videos', () => {
    const otherVideoId = 'vid_01JD00000000000000000000A1';
    const referenceImage = anInputReference(`videos/alice/${otherVideoId}/input-reference`);

    /** Runs a create whose provider answer is lost: the provider made the job, the caller saw a timeout. */
    async function createWithLostAnswer(deps: CreateGenerationJobDeps, provider: FakeProvider, videoId: string) {
      const create = provider.create.bind(provider);
      provider.create = async (params) => {
        await create(params);
        throw new RetryableProviderError('Provider create timed out');
      };
      await expect(createGenerationJob({ videoId, userId: 'any' }, deps)).rejects.toThrow('timed out');
      provider.create = create;
    }

    it('returns a new job when the matching orphan is another user’s image video’s job whose answer is still on its way', async () => {
      // Prepare: alice's video made from her private image asks for a job that lists exactly like bob's prompt-only
      // video's (same model, prompt, seconds, size); her answer is lost. Bob's first attempt was lost too.
      const { videos, provider, deps } = setup({
        userId: 'bob',
        providerCreateAttempts: 1,
        providerFirstAttemptAt: 1_763_700_050,
      });
      videos.videos.set(
        otherVideoId,
        aVideo({ videoId: otherVideoId, userId: 'alice', inputReference: referenceImage }),
      );
      deps.objects = { get: async () => Buffer.from('png bytes') };
      await createWithLostAnswer(deps, provider, otherVideoId);

      // Act
      const job = await createGenerationJob(input, deps);

      // Assess
      expect(provider.created).toHaveLength(2);
      expect(job).toMatchObject({ providerVideoId: 'video_new2' });
      expect(videos.claims.has('video_new1')).toBe(false);
      expect(videos.videos.get(input.videoId)?.providerVideoId).toBe('video_new2');
    });

    it.each([
      { kind: 'edit', overrides: { prompt: 'Make it snow', seconds: '8' as const }, jobSeconds: '8' },
      { kind: 'extension', overrides: { prompt: 'Make it snow', seconds: '4' as const }, jobSeconds: '12' },
      { kind: 'image', overrides: { inputReference: referenceImage }, jobSeconds: '4' },
    ])(
      'returns a new $kind job, never adopting a match another video could have made',
      async ({ kind, overrides, jobSeconds }) => {
        // Prepare: the list cannot show the source or the image; another video asked for a job that looks the same.
        const derivedFrom =
          kind === 'image'
            ? {}
            : {
                derivedFrom: {
                  kind: kind as 'edit' | 'extension',
                  videoId: 'vid_01JD0000000000000000000SRC',
                  providerVideoId: 'video_source',
                  sourceSeconds: 8,
                },
              };
        const retrying = {
          ...overrides,
          ...derivedFrom,
          providerCreateAttempts: 1,
          providerFirstAttemptAt: 1_763_700_000,
        };
        const { videos, provider, deps } = setup(retrying, {
          [`b/${referenceImage.key}`]: Buffer.from('png bytes'),
        });
        const prompt = retrying.prompt ?? 'A cat playing piano';
        provider.jobs.push(
          aProviderJob({ id: 'video_lookalike', prompt, seconds: jobSeconds, createdAt: 1_763_700_010 }),
          aProviderJob({ id: 'video_source', status: 'completed', seconds: '8', createdAt: 1_763_600_000 }),
        );
        const other = aVideo({ ...retrying, videoId: otherVideoId, userId: 'carol' });
        await videos.recordJobFingerprint(jobFingerprint(other), otherVideoId, 1_763_700_005);

        // Act
        const job = await createGenerationJob(input, deps);

        // Assess
        expect(job).toMatchObject({ providerVideoId: expect.stringMatching(/^video_(new|edit|extension)1$/) });
        expect(videos.claims.has('video_lookalike')).toBe(false);
        expect(provider.created.length + provider.derived.length).toBe(1);
      },
    );

    it.each([
      { kind: 'edit of an extension', derivation: 'edit' as const, seconds: '16' as const, jobSeconds: '16' },
      { kind: 'extension', derivation: 'extension' as const, seconds: '4' as const, jobSeconds: '20' },
    ])(
      'adopts its own $kind job when no other video asked for one like it',
      async ({ derivation, seconds, jobSeconds }) => {
        // Prepare: the source lasts 16 seconds (an extension itself); the lost job reports what the provider made.
        const { videos, provider, deps } = setup({
          prompt: 'Make it snow',
          seconds,
          derivedFrom: {
            kind: derivation,
            videoId: 'vid_01JD0000000000000000000SRC',
            providerVideoId: 'video_source',
            sourceSeconds: 16,
          },
          providerCreateAttempts: 1,
          providerFirstAttemptAt: 1_763_700_000,
        });
        provider.jobs.push(
          aProviderJob({ id: 'video_own', prompt: 'Make it snow', seconds: jobSeconds, createdAt: 1_763_700_010 }),
        );

        // Act
        const job = await createGenerationJob(input, deps);

        // Assess
        expect(job).toMatchObject({ providerVideoId: 'video_own' });
        expect(videos.claims.get('video_own')).toBe(input.videoId);
        expect(provider.derived).toEqual([]);
      },
    );

    it('adopts its own job after a lost answer, its fingerprint noted before the provider was asked', async () => {
      // Prepare
      const { videos, provider, deps } = setup();
      let notedWhenCreated: string[] = [];
      const create = provider.create.bind(provider);
      provider.create = async (params) => {
        notedWhenCreated = await videos.videosAskingForJob(jobFingerprint(aVideo()), 0);
        return create(params);
      };
      await createWithLostAnswer(deps, provider, input.videoId);

      // Act
      const job = await createGenerationJob(input, deps);

      // Assess
      expect(notedWhenCreated).toEqual([input.videoId]);
      expect(provider.created).toHaveLength(1);
      expect(job).toMatchObject({ providerVideoId: 'video_new1' });
      expect(videos.claims.get('video_new1')).toBe(input.videoId);
    });
  });

  it('hands the job to the cost reconciler when a cancel lands between recordCreateAttempt and saveProviderJob', async () => {
    // Prepare: the owner cancels while the provider is accepting the job (the release saw no job id).
    const { videos, provider, metrics, handedOver, deps } = setup({ status: 'queued' });
    const create = provider.create.bind(provider);
    provider.create = async (params) => {
      Object.assign(videos.videos.get(input.videoId)!, { status: 'cancelled', chargedMicros: 0 });
      return create(params);
    };

    // Act
    await createGenerationJob(input, deps);

    // Assess: the paid job is claimed for the video and followed for finance; the cancelled video is unchanged.
    expect(provider.created).toHaveLength(1);
    expect(videos.claims.get('video_new1')).toBe(input.videoId);
    expect(videos.videos.get(input.videoId)).toMatchObject({ status: 'cancelled', providerVideoId: null });
    expect(handedOver).toEqual([
      {
        kind: 'provider_job',
        videoId: input.videoId,
        userId: 'alice',
        providerVideoId: 'video_new1',
        reason: 'orphaned',
        givenUpAt: Date.parse('2025-11-21T04:40:00Z') / 1000,
        dueAt: Date.parse('2025-11-21T04:40:00Z') / 1000,
        checks: 0,
      },
    ]);
    expect(metrics.total('ProviderJobsOrphaned')).toBe(1);
  });

  it('records the job on the held cancel, handing nothing to finance, when the video was cancelled while its create was in flight', async () => {
    // Prepare: the cancel lands while the create is at the provider; it holds the money (charged null).
    const { videos, provider, metrics, handedOver, deps } = setup({ status: 'queued' });
    const create = provider.create.bind(provider);
    provider.create = async (params) => {
      Object.assign(videos.videos.get(input.videoId)!, { status: 'cancelled', chargedMicros: null });
      return create(params);
    };

    // Act
    await createGenerationJob(input, deps);

    // Assess: the job is the held cancel's, for its settlement (charged if billed), not a provider cost.
    expect(videos.videos.get(input.videoId)).toMatchObject({ status: 'cancelled', providerVideoId: 'video_new1' });
    expect(handedOver).toEqual([]);
    expect(metrics.total('HeldCancelJobsRecorded')).toBe(1);
    expect(metrics.total('ProviderJobsOrphaned')).toBe(0);
  });

  it('hands nothing over when the job is saved normally', async () => {
    const { handedOver, deps } = setup();

    await createGenerationJob(input, deps);

    expect(handedOver).toEqual([]);
  });

  it('throws ConflictError without calling the provider when the video is cancelled', async () => {
    // Prepare
    const { provider, deps } = setup({ status: 'cancelled' });

    // Act / Assess
    await expect(createGenerationJob(input, deps)).rejects.toBeInstanceOf(ConflictError);
    expect(provider.created).toHaveLength(0);
  });

  it('throws the provider error and keeps the attempt recorded when the create fails transiently', async () => {
    // Prepare
    const { videos, provider, deps } = setup();
    provider.createError = new RetryableProviderError('Provider create answered 503: busy');

    // Act / Assess
    await expect(createGenerationJob(input, deps)).rejects.toBeInstanceOf(RetryableProviderError);
    expect(videos.videos.get(input.videoId)).toMatchObject({ providerCreateAttempts: 1, providerVideoId: null });
    // A 503 may follow a job the provider made: the attempt stays unresolved, so a cancel now holds the money.
    expect(videos.videos.get(input.videoId)?.providerCreateResolvedAttempts).toBeUndefined();
  });

  it.each([
    ['refused for good', new PermanentProviderError('Provider create answered 400: refused')],
    ['rate-limited', new RetryableProviderError('Provider create answered 429', { rateLimited: true })],
  ])('records the attempt as resolved when the create is %s (the provider made no job)', async (_why, error) => {
    // Prepare
    const { videos, provider, deps } = setup();
    provider.createError = error;

    // Act
    await createGenerationJob(input, deps).catch(() => undefined);

    // Assess: a cancel now releases at 0 (no create in flight).
    expect(videos.videos.get(input.videoId)).toMatchObject({
      providerCreateAttempts: 1,
      providerCreateResolvedAttempts: 1,
    });
  });

  it.each([
    ['moderation_blocked', 'Your request was blocked by our moderation system.'],
    [undefined, undefined],
  ])(
    'throws ProviderRejectedError keeping the provider code %s when the create is refused for good',
    async (code, message) => {
      // Prepare
      const { videos, provider, deps } = setup();
      provider.createError = new PermanentProviderError('Provider create answered 400: refused', {
        ...(code === undefined ? {} : { providerCode: code }),
        ...(message === undefined ? {} : { providerMessage: message }),
      });

      // Act
      const error = await createGenerationJob(input, deps).catch((caught: unknown) => caught);

      // Assess: what RecordFailure makes of it (Step Functions passes on only name and message)
      expect(error).toBeInstanceOf(ProviderRejectedError);
      const failure = failureOf({
        Error: (error as Error).name,
        Cause: JSON.stringify({ errorType: (error as Error).name, errorMessage: (error as Error).message }),
      });
      expect(failure.code).toBe(code ?? 'provider_rejected');
      if (message !== undefined) expect(failure.message).toBe(message);
      // No job was made: the release of the failed video starts no orphan search.
      const failed = { ...videos.videos.get(input.videoId)!, status: 'failed' as const, error: failure };
      expect(failed.providerCreateAttempts).toBe(1);
      expect(reconcileWorkItemFor(failed, 1_763_700_000)).toBeUndefined();
    },
  );

  it('throws GenerationFailedError when the adopted orphan already failed', async () => {
    // Prepare
    const { provider, deps } = setup({ providerCreateAttempts: 1, providerFirstAttemptAt: 1_763_700_050 });
    provider.jobs = [
      aProviderJob({
        id: 'video_failed',
        status: 'failed',
        createdAt: 1_763_700_051,
        error: { code: 'moderation_blocked', message: 'Blocked' },
      }),
    ];

    // Act / Assess
    await expect(createGenerationJob(input, deps)).rejects.toMatchObject({
      name: 'GenerationFailedError',
      message: 'moderation_blocked: Blocked',
    });
    await expect(createGenerationJob(input, deps)).rejects.toBeInstanceOf(GenerationFailedError);
  });

  it('creates a remix with the provider remix of the source job, and records the attempt first', async () => {
    // Prepare
    const { videos, provider, deps } = setup({
      prompt: 'The same cat, at night',
      remixedFromVideoId: 'vid_01JD0000000000000000000SRC',
      remixSourceProviderVideoId: 'video_source',
    });
    provider.jobs.push(aProviderJob({ id: 'video_source', status: 'completed', progress: 100 }));

    // Act
    const job = await createGenerationJob(input, deps);

    // Assess
    expect(provider.remixed).toEqual([{ sourceId: 'video_source', prompt: 'The same cat, at night' }]);
    expect(provider.created).toEqual([]);
    expect(job).toMatchObject({ providerVideoId: 'video_remix1', status: 'queued' });
    const video = await videos.get(input.videoId);
    expect(video).toMatchObject({ providerVideoId: 'video_remix1', providerCreateAttempts: 1 });
    expect(videos.claims.get('video_remix1')).toBe(input.videoId);
  });

  it('adopts an orphaned remix of the same source on a retry, never a plain job with the same prompt', async () => {
    // Prepare
    const prompt = 'The same cat, at night';
    const { videos, provider, deps } = setup({
      prompt,
      remixedFromVideoId: 'vid_01JD0000000000000000000SRC',
      remixSourceProviderVideoId: 'video_source',
      providerCreateAttempts: 1,
      providerFirstAttemptAt: 1_763_700_000,
    });
    provider.jobs.push(
      aProviderJob({ id: 'video_plain', prompt, createdAt: 1_763_700_020 }),
      aProviderJob({ id: 'video_orphan_remix', prompt, remixedFromVideoId: 'video_source', createdAt: 1_763_700_010 }),
    );

    // Act
    const job = await createGenerationJob(input, deps);

    // Assess
    expect(job).toMatchObject({ providerVideoId: 'video_orphan_remix' });
    expect(provider.remixed).toEqual([]);
    expect(videos.claims.get('video_plain')).toBeUndefined();
  });

  it('never adopts a remix for a video made from its prompt alone', async () => {
    // Prepare
    const { provider, deps } = setup({ providerCreateAttempts: 1, providerFirstAttemptAt: 1_763_700_000 });
    provider.jobs.push(
      aProviderJob({ id: 'video_someones_remix', remixedFromVideoId: 'video_x', createdAt: 1_763_700_010 }),
    );

    // Act
    const job = await createGenerationJob(input, deps);

    // Assess
    expect(job).toMatchObject({ providerVideoId: 'video_new1' });
    expect(provider.created).toHaveLength(1);
  });

  it.each([
    {
      kind: 'edit' as const,
      seconds: '8' as const,
      call: { kind: 'edit', sourceId: 'video_source', prompt: 'Make it snow' },
    },
    {
      kind: 'extension' as const,
      seconds: '4' as const,
      call: { kind: 'extension', sourceId: 'video_source', prompt: 'Make it snow', seconds: '4' },
    },
  ])('creates an $kind with the provider’s $kind of the source job, not a create', async ({ kind, seconds, call }) => {
    // Prepare
    const { videos, provider, deps } = setup({
      prompt: 'Make it snow',
      seconds,
      derivedFrom: {
        kind,
        videoId: 'vid_01JD0000000000000000000SRC',
        providerVideoId: 'video_source',
        sourceSeconds: 8,
      },
    });
    provider.jobs.push(aProviderJob({ id: 'video_source', status: 'completed', progress: 100, seconds: '8' }));

    // Act
    const job = await createGenerationJob(input, deps);

    // Assess
    expect(provider.derived).toEqual([call]);
    expect(provider.created).toEqual([]);
    expect(provider.remixed).toEqual([]);
    expect(job).toMatchObject({ providerVideoId: `video_${kind}1` });
    expect(videos.claims.get(`video_${kind}1`)).toBe(input.videoId);
  });

  it('adopts an orphaned extension by its stitched length on a retry, never a job of the extension’s own length', async () => {
    // Prepare: the provider's extension job names no source and lasts the source's 8 seconds plus the 4 extended.
    const prompt = 'And then it rains';
    const { provider, deps } = setup({
      prompt,
      seconds: '4',
      derivedFrom: {
        kind: 'extension',
        videoId: 'vid_01JD0000000000000000000SRC',
        providerVideoId: 'video_source',
        sourceSeconds: 8,
      },
      providerCreateAttempts: 1,
      providerFirstAttemptAt: 1_763_700_000,
    });
    provider.jobs.push(
      aProviderJob({ id: 'video_four_seconds', prompt, seconds: '4', createdAt: 1_763_700_020 }),
      aProviderJob({ id: 'video_orphan_extension', prompt, seconds: '12', createdAt: 1_763_700_010 }),
    );

    // Act
    const job = await createGenerationJob(input, deps);

    // Assess
    expect(job).toMatchObject({ providerVideoId: 'video_orphan_extension' });
    expect(provider.derived).toEqual([]);
  });

  describe('at the provider admission gate', () => {
    it('returns waiting_for_provider with a ticket, without recording an attempt or calling the provider, when no slot is free', async () => {
      const { provider, videos, deps, gate } = setup();
      gate.slots = 0;

      const result = await createGenerationJob(input, deps);

      expect(result).toEqual({
        status: 'waiting_for_provider',
        waitingFor: 'slot',
        gateWaits: 1,
        rateLimitedCreates: 0,
        ticket: 7,
        position: 1,
        waitSeconds: 4,
      });
      expect(provider.created).toHaveLength(0);
      expect((await videos.get(input.videoId))?.providerCreateAttempts).toBe(0);
    });

    it('returns waiting_for_provider for a token, keeping its slot, when the gate has no request token', async () => {
      const { provider, deps, gate } = setup();
      gate.tokens = 0;
      deps.provider = new GatedVideoProvider(provider, gate);

      const result = await createGenerationJob(
        {
          ...input,
          job: {
            status: 'waiting_for_provider',
            waitingFor: 'slot',
            gateWaits: 3,
            rateLimitedCreates: 1,
            ticket: 5,
            waitSeconds: 2,
          },
        },
        deps,
      );

      expect(result).toMatchObject({
        status: 'waiting_for_provider',
        waitingFor: 'token',
        gateWaits: 4,
        rateLimitedCreates: 1,
        ticket: 5,
        waitSeconds: 3,
      });
      expect(provider.created).toHaveLength(0);
      expect(gate.holders.has(input.videoId)).toBe(true);
    });

    it('takes a retry’s two tokens (lookup and create) before recording its attempt, and records none without them', async () => {
      const { provider, videos, deps, gate } = setup({
        providerCreateAttempts: 1,
        providerFirstAttemptAt: 1_763_700_000,
      });
      gate.tokens = 1;

      const waiting = await createGenerationJob(input, deps);
      gate.tokens = 2;
      const created = await createGenerationJob(input, deps);

      expect(waiting).toMatchObject({ status: 'waiting_for_provider', waitingFor: 'token' });
      expect(created).toMatchObject({ providerVideoId: 'video_new1' });
      expect(provider.created).toHaveLength(1);
      expect((await videos.get(input.videoId))?.providerCreateAttempts).toBe(2);
      expect(gate.tokens).toBe(0);
    });

    it('takes its tokens again when recording the attempt took longer than STALE_GRANT_MS, so the create leaves with a fresh grant', async () => {
      // Prepare: the table write takes 1.2 s.
      const { provider, videos, deps, gate } = setup();
      slowAttemptRecording(videos, deps, 1200);
      gate.tokens = 2;

      // Act
      const created = await createGenerationJob(input, deps);

      // Assess: two tokens for one request (the stale grant is not reused); the create went out.
      expect(STALE_GRANT_MS).toBeLessThan(1200);
      expect(created).toMatchObject({ providerVideoId: 'video_new1' });
      expect(provider.created).toHaveLength(1);
      expect(gate.tokens).toBe(0);
    });

    it('waits with its attempt recorded when a stale grant cannot be taken again', async () => {
      const { provider, videos, deps, gate } = setup();
      slowAttemptRecording(videos, deps, 1200);
      gate.tokens = 1;

      const waiting = await createGenerationJob(input, deps);

      // Nothing sent; the next visit (attempt 2) looks for an orphan first, as after a lost answer.
      expect(waiting).toMatchObject({ status: 'waiting_for_provider', waitingFor: 'token' });
      expect(provider.created).toHaveLength(0);
      expect(await videos.get(input.videoId)).toMatchObject({
        providerCreateAttempts: 1,
        providerCreateResolvedAttempts: 1,
      });
    });

    it('fails as provider_rate_limited once every allowed gate wait was used', async () => {
      const { deps, gate } = setup();
      gate.slots = 0;
      const job = {
        status: 'waiting_for_provider',
        waitingFor: 'slot',
        gateWaits: PROVIDER_GATE_POLICY.maxWaits,
        rateLimitedCreates: 0,
        waitSeconds: 30,
      } as const;

      const error = await createGenerationJob({ ...input, job }, deps).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(ProviderRateLimitedError);
    });

    it('creates the job once a slot and a token are granted, and gives the slot back when the provider refuses the prompt', async () => {
      const { provider, deps, gate } = setup();
      deps.provider = new GatedVideoProvider(provider, gate);
      provider.createError = new PermanentProviderError('blocked', { providerCode: 'moderation_blocked' });

      await createGenerationJob(input, deps).catch(() => undefined);

      expect(gate.released).toEqual([input.videoId]);
      expect(gate.holders.size).toBe(0);
    });
  });

  describe('reads the provider’s capabilities', () => {
    const firstAttemptAt = 1_763_700_050;
    const anImage = (): NonNullable<Parameters<typeof aVideo>[0]>['inputReference'] => ({
      bucket: 'b',
      key: `videos/alice/${input.videoId}/input-reference`,
      contentType: 'image/png' as const,
      bytes: 9,
      width: 720,
      height: 1280,
      sha256: 'abc',
      source: 'file' as const,
    });

    it('creates a new job on a retry, looking for no orphan and taking one token, when the provider cannot list', async () => {
      // Prepare: a matching job an earlier attempt may have made, which a provider with `list` would adopt.
      const { videos, deps, gate } = setup({ providerCreateAttempts: 1, providerFirstAttemptAt: firstAttemptAt });
      const provider = new FakeProvider({ list: false });
      provider.jobs = [aProviderJob({ id: 'video_orphan', createdAt: firstAttemptAt + 1 })];
      gate.tokens = 1;
      deps.provider = provider;

      // Act
      const job = await createGenerationJob(input, deps);

      // Assess: no list was asked for (a list would throw ProviderCapabilityMissingError), one token was enough.
      expect(provider.listed).toEqual([]);
      expect(provider.created).toHaveLength(1);
      expect(job).toMatchObject({ providerVideoId: 'video_new1' });
      expect(gate.tokens).toBe(0);
      expect(videos.claims.get('video_orphan')).toBeUndefined();
    });

    it('refuses a remix the provider cannot make as the provider would (no job, the slot given back)', async () => {
      // Prepare
      const { videos, deps, gate } = setup({
        prompt: 'The same cat, at night',
        remixedFromVideoId: 'vid_01JD0000000000000000000SRC',
        remixSourceProviderVideoId: 'video_source',
      });
      const provider = new FakeProvider({ remix: false });
      provider.jobs.push(aProviderJob({ id: 'video_source', status: 'completed', progress: 100 }));
      deps.provider = provider;

      // Act
      const error = await createGenerationJob(input, deps).catch((caught: unknown) => caught);

      // Assess
      expect(error).toBeInstanceOf(ProviderRejectedError);
      expect(failureOf({ Error: 'ProviderRejectedError', Cause: (error as Error).message })).toMatchObject({
        code: 'unsupported_by_provider',
      });
      expect(provider.remixed).toEqual([]);
      expect(gate.released).toEqual([input.videoId]);
      // Resolved: the attempt made no job, so a cancel does not hold the money.
      expect(videos.videos.get(input.videoId)?.providerCreateResolvedAttempts).toBe(1);
    });

    it('sends the reference image as a data URL to a provider that takes one', async () => {
      // Prepare
      const image = Buffer.from('png bytes');
      const reference = anImage()!;
      const { deps } = setup({ inputReference: reference }, { [`b/${reference.key}`]: image });
      const provider = new FakeProvider({ referenceImage: 'data_url' });
      deps.provider = provider;

      // Act
      await createGenerationJob(input, deps);

      // Assess
      expect(provider.created).toMatchObject([
        { inputReference: { url: `data:image/png;base64,${image.toString('base64')}`, contentType: 'image/png' } },
      ]);
    });

    it('sends a presigned GET of the reference image to a provider that fetches it, reading no bytes', async () => {
      // Prepare
      const reference = anImage()!;
      const { deps } = setup({ inputReference: reference });
      const provider = new FakeProvider({ referenceImage: 'url' });
      const signed: Array<{ key: string; expiresInSeconds: number }> = [];
      deps.provider = provider;
      deps.objects = {
        get: async () => {
          throw new Error('the bytes were read');
        },
      };
      deps.referenceUrls = {
        signGet: async (bucket, key, options) => {
          signed.push({ key, expiresInSeconds: options.expiresInSeconds });
          return `https://s3.example/${bucket}/${key}?X-Amz-Signature=x`;
        },
      };

      // Act
      await createGenerationJob(input, deps);

      // Assess
      expect(signed).toEqual([{ key: reference.key, expiresInSeconds: 900 }]);
      expect(provider.created).toMatchObject([
        {
          inputReference: { url: `https://s3.example/b/${reference.key}?X-Amz-Signature=x`, contentType: 'image/png' },
        },
      ]);
    });

    it('refuses a video from an image when the provider takes no reference image', async () => {
      const { deps } = setup({ inputReference: anImage() });
      const provider = new FakeProvider({ referenceImage: 'none' });
      deps.provider = provider;

      const error = await createGenerationJob(input, deps).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(ProviderRejectedError);
      expect((error as Error).message).toMatch(/^unsupported_by_provider: /);
      expect(provider.created).toEqual([]);
    });

    it('routes the job to the polls, without asking the webhook settings, when the provider sends no webhooks', async () => {
      const { deps } = setup();
      deps.provider = new FakeProvider({ webhooks: 'none' });
      let asked = 0;
      deps.webhooks = async () => {
        asked += 1;
        return { webhooks: true, webhookWaitSeconds: 600 };
      };

      const job = await createGenerationJob(input, deps);

      expect(job).toMatchObject({ providerVideoId: 'video_new1', webhooks: false });
      expect(asked).toBe(0);
    });
  });

  describe('when the provider rate-limits the create (429)', () => {
    const limited = (retryAfterSeconds?: number) =>
      new RetryableProviderError('Provider create answered 429: slow down', {
        rateLimited: true,
        ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
      });

    it('answers a wait of the provider’s retry-after instead of failing the task, and counts it', async () => {
      // Prepare
      const { provider, metrics, deps } = setup();
      provider.createError = limited(7);

      // Act
      const result = await createGenerationJob(input, deps);

      // Assess: 7 s jittered upwards by at most 20 % (random 0.5 → +10 %), rounded up.
      expect(result).toEqual({ status: 'rate_limited', rateLimitedCreates: 1, waitSeconds: 8, gateWaits: 0 });
      expect(metrics.added).toContainEqual({ name: 'ProviderCreatesRateLimited', unit: 'Count', value: 1 });
    });

    it('grows the wait when the provider gives no retry-after, and keeps the count across visits', async () => {
      const { provider, deps } = setup();
      provider.createError = limited();

      const result = await createGenerationJob(
        { ...input, job: { status: 'rate_limited', rateLimitedCreates: 2, waitSeconds: 11 } },
        deps,
      );

      // 5 s × 2² = 20 s, +10 % jitter.
      expect(result).toEqual({ status: 'rate_limited', rateLimitedCreates: 3, waitSeconds: 22, gateWaits: 0 });
    });

    it('fails as provider_rate_limited once every allowed wait was used', async () => {
      const { provider, deps } = setup();
      provider.createError = limited(1);
      const job = {
        status: 'rate_limited',
        rateLimitedCreates: RATE_LIMITED_CREATE_POLICY.maxWaits,
        waitSeconds: 60,
      } as const;

      const error = await createGenerationJob({ ...input, job }, deps).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(ProviderRateLimitedError);
      expect(failureOf({ Error: (error as Error).name, Cause: (error as Error).message })).toMatchObject({
        code: 'provider_rate_limited',
      });
    });

    it('still throws a 5xx for the task’s retries, and says provider_unavailable once they are used up', async () => {
      const { provider, deps } = setup();
      provider.createError = new RetryableProviderError('Provider create answered 503: busy');

      const error = await createGenerationJob(input, deps).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(RetryableProviderError);
      expect(failureOf({ Error: 'RetryableProviderError', Cause: '' })).toMatchObject({ code: 'provider_unavailable' });
    });
  });
});

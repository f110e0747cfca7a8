import { describe, expect, it } from 'vitest';
import { type CreateVideoDeps, createVideo } from '../../../functions/create-video/create-video';
import { createVideoRequestParser } from '../../../functions/create-video/schema';
import { BudgetExceededError, ValidationError } from '../../../shared/errors';
import type { PipelineInput } from '../../../shared/pipeline-types';
import { DEFAULT_PRICE_TABLE } from '../../../shared/pricing';
import { alice, fakeLogger, fakeMetrics, fixedClock, InMemoryVideoRepository } from '../fakes/fakes';
import { InMemoryBilling } from '../money/in-memory-billing';

function setup(options: { startError?: Error } = {}) {
  const videos = new InMemoryVideoRepository();
  const started: PipelineInput[] = [];
  const metrics = fakeMetrics();
  const money = new InMemoryBilling(videos);
  const deps: CreateVideoDeps = {
    money,
    pipeline: {
      start: async (input) => {
        if (options.startError !== undefined) throw options.startError;
        started.push(input);
      },
    },
    prices: DEFAULT_PRICE_TABLE,
    clock: fixedClock('2025-11-21T04:40:00Z'),
    newId: () => 'vid_01JD0000000000000000000001',
    logger: fakeLogger(),
    metrics,
  };
  return { videos, money, started, metrics, deps };
}

const parse = createVideoRequestParser({ allowedModels: ['sora-2', 'sora-2-pro'] });

describe('create-video', () => {
  it('returns the queued video with its estimate and starts one execution named after it', async () => {
    // Prepare
    const { videos, started, metrics, deps } = setup();
    const input = parse(
      { body: { prompt: 'A cat playing piano', model: 'sora-2-pro', seconds: '8', metadata: { a: 'b' } } },
      alice,
    );

    // Act
    const video = await createVideo(input, deps);

    // Assess
    expect(video).toEqual({
      id: 'vid_01JD0000000000000000000001',
      object: 'video',
      status: 'queued',
      progress: 0,
      prompt: 'A cat playing piano',
      model: 'sora-2-pro',
      seconds: '8',
      size: '720x1280',
      remixed_from_video_id: null,
      metadata: { a: 'b' },
      created_at: 1_763_700_000,
      updated_at: 1_763_700_000,
      completed_at: null,
      error: null,
      cost: { currency: 'USD', estimated_micros: 2_400_000, charged_micros: null },
      content: null,
    });
    expect(started).toEqual([{ videoId: video.id, userId: 'alice' }]);
    expect(videos.videos.get(video.id)).toMatchObject({
      userId: 'alice',
      status: 'queued',
      estimatedMicros: 2_400_000,
    });
    expect(metrics.total('VideosRequested')).toBe(1);
  });

  it('throws the reservation error and starts no execution when the budget cannot cover the estimate', async () => {
    // Prepare
    const { videos, money, started, metrics, deps } = setup();
    money.reserveError = new BudgetExceededError();
    const input = parse({ body: { prompt: 'A cat' } }, alice);

    // Act / Assess
    await expect(createVideo(input, deps)).rejects.toMatchObject({ status: 402, code: 'budget_exceeded' });
    expect(started).toEqual([]);
    expect(videos.videos.size).toBe(0);
    expect(metrics.total('VideosRequested')).toBe(0);
  });

  it('marks the video failed and throws when the execution cannot be started', async () => {
    // Prepare
    const { videos, money, deps } = setup({ startError: new Error('states unavailable') });
    const input = parse({ body: { prompt: 'A cat' } }, alice);

    // Act / Assess
    await expect(createVideo(input, deps)).rejects.toThrow('states unavailable');
    expect(videos.videos.get('vid_01JD0000000000000000000001')).toMatchObject({ status: 'failed', chargedMicros: 0 });
    expect(money.released.has('vid_01JD0000000000000000000001')).toBe(true);
  });

  it('throws a 400 on size when the price table has no price for the model and size', async () => {
    // Prepare
    const { deps } = setup();
    const input = parse({ body: { prompt: 'A cat', model: 'sora-2-pro', size: '1024x1792' } }, alice);
    const cheapOnly = {
      ...deps,
      prices: { ...DEFAULT_PRICE_TABLE, microsPerSecond: { 'sora-2-pro': { '720x1280': 1 } } },
    };

    // Act / Assess
    await expect(createVideo(input, cheapOnly)).rejects.toMatchObject({ status: 400, param: 'size' });
  });

  it('throws a ValidationError naming the field when the body has an unknown field', () => {
    // Act / Assess
    expect(() => parse({ body: { prompt: 'x', duration: 4 } }, alice)).toThrow(ValidationError);
  });
});

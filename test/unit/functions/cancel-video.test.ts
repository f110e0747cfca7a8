import { describe, expect, it } from 'vitest';
import { type CancelVideoDeps, cancelVideo } from '../../../functions/cancel-video/cancel-video';
import { parseCancelVideoRequest } from '../../../functions/cancel-video/schema';
import { ConflictError, NotFoundError } from '../../../shared/errors';
import type { VideoStatus } from '../../../shared/video/schemas';
import { alice, aVideo, bob, fakeLogger, fakeMetrics, fixedClock, InMemoryVideoRepository } from '../fakes/fakes';
import { InMemoryBilling } from '../money/in-memory-billing';

const VIDEO_ID = 'vid_01JD0000000000000000000000';

function setup(status: VideoStatus, options: { stopError?: Error; providerVideoId?: string; gateError?: Error } = {}) {
  const videos = new InMemoryVideoRepository([
    aVideo({ videoId: VIDEO_ID, status, progress: 40, providerVideoId: options.providerVideoId ?? null }),
  ]);
  const money = new InMemoryBilling(videos);
  const stopped: string[] = [];
  const leftLine: string[] = [];
  const logger = fakeLogger();
  const deps: CancelVideoDeps = {
    videos,
    money,
    pipeline: {
      stop: async (videoId) => {
        if (options.stopError !== undefined) throw options.stopError;
        stopped.push(videoId);
      },
    },
    admission: {
      leaveQueue: async (videoId) => {
        if (options.gateError !== undefined) throw options.gateError;
        leftLine.push(videoId);
      },
    },
    clock: fixedClock('2025-11-21T04:40:00Z'),
    logger,
    metrics: fakeMetrics(),
  };
  return { videos, money, stopped, leftLine, logger, deps };
}

const input = (caller = alice) => parseCancelVideoRequest({ pathParameters: { id: VIDEO_ID } }, caller);

describe('cancel-video', () => {
  it.each(['queued', 'in_progress'] as const)(
    'returns the video cancelled and charged 0, its reservation released and execution stopped, when %s without a provider job',
    async (status) => {
      // Prepare
      const { money, stopped, leftLine, deps } = setup(status);

      // Act
      const video = await cancelVideo(input(), deps);

      // Assess
      expect(video).toMatchObject({ id: VIDEO_ID, status: 'cancelled', cost: { charged_micros: 0 } });
      expect(money.released.has(VIDEO_ID)).toBe(true);
      expect(stopped).toEqual([VIDEO_ID]);
      // It may have been waiting for a job slot: it leaves the line.
      expect(leftLine).toEqual([VIDEO_ID]);
    },
  );

  it.each(['queued', 'in_progress', 'storing'] as const)(
    'returns the video cancelled with charged_micros null, its reservation held and execution stopped, when %s with a provider job',
    async (status) => {
      // Prepare
      const { money, stopped, leftLine, deps } = setup(status, { providerVideoId: 'video_1' });

      // Act
      const video = await cancelVideo(input(), deps);

      // Assess
      expect(video).toMatchObject({ id: VIDEO_ID, status: 'cancelled', cost: { charged_micros: null } });
      expect(money.held.has(VIDEO_ID)).toBe(true);
      expect(money.released.has(VIDEO_ID)).toBe(false);
      expect(stopped).toEqual([VIDEO_ID]);
      // Its job holds a slot that follows the provider's outcome (the reconciler), not the cancel.
      expect(leftLine).toEqual([]);
    },
  );

  it.each(['completed', 'failed', 'cancelled'] as const)(
    'throws 409 invalid_state and changes nothing when the video is already %s',
    async (status) => {
      // Prepare
      const { videos, money, stopped, deps } = setup(status);

      // Act
      const cancel = cancelVideo(input(), deps);

      // Assess
      await expect(cancel).rejects.toBeInstanceOf(ConflictError);
      await expect(cancel).rejects.toMatchObject({ status: 409, code: 'invalid_state' });
      expect((await videos.get(VIDEO_ID))?.status).toBe(status);
      expect(money.released.size).toBe(0);
      expect(stopped).toEqual([]);
    },
  );

  it('returns the video cancelled and logs a warning when the admission gate cannot be written', async () => {
    // Prepare
    const { money, logger, deps } = setup('queued', { gateError: new Error('throttled') });

    // Act
    const video = await cancelVideo(input(), deps);

    // Assess
    expect(video).toMatchObject({ status: 'cancelled', cost: { charged_micros: 0 } });
    expect(money.released.has(VIDEO_ID)).toBe(true);
    expect(logger.warn).toHaveBeenCalledWith(
      'Could not take a cancelled video out of the line for a job slot; it lapses',
      expect.any(Error),
    );
  });

  it('throws 409 invalid_state when the video completes between the read and the cancel', async () => {
    // Prepare
    const { videos, stopped, deps } = setup('in_progress');
    deps.money = {
      cancel: async () => {
        const completed = { ...(await videos.get(VIDEO_ID))!, status: 'completed' as const };
        return { applied: false, video: completed, held: false };
      },
    };

    // Act
    const cancel = cancelVideo(input(), deps);

    // Assess
    await expect(cancel).rejects.toMatchObject({ status: 409, code: 'invalid_state' });
    expect(stopped).toEqual([]);
  });

  it('throws 404 for someone else’s video and cancels nothing', async () => {
    // Prepare
    const { videos, deps } = setup('in_progress');

    // Act
    const cancel = cancelVideo(input(bob), deps);

    // Assess
    await expect(cancel).rejects.toBeInstanceOf(NotFoundError);
    expect((await videos.get(VIDEO_ID))?.status).toBe('in_progress');
  });

  it('still returns the cancelled video, and warns, when stopping the execution fails', async () => {
    // Prepare
    const { logger, deps } = setup('in_progress', { stopError: new Error('throttled') });

    // Act
    const video = await cancelVideo(input(), deps);

    // Assess
    expect(video.status).toBe('cancelled');
    expect(logger.warn).toHaveBeenCalledOnce();
  });

  it('throws 400 naming the field when the body has one', () => {
    // Act / Assess
    expect(() =>
      parseCancelVideoRequest({ body: { reason: 'bored' }, pathParameters: { id: VIDEO_ID } }, alice),
    ).toThrow(expect.objectContaining({ code: 'invalid_parameter', param: 'reason' }));
    expect(parseCancelVideoRequest({ body: {}, pathParameters: { id: VIDEO_ID } }, alice).videoId).toBe(VIDEO_ID);
  });
});

import { describe, expect, it } from 'vitest';
import {
  completionInput,
  type RecordCompletionDeps,
  recordCompletion,
} from '../../../functions/record-completion/record-completion';
import type { StoredContent } from '../../../shared/pipeline/types';
import { aVideo, fakeLogger, fakeMetrics, fixedClock, InMemoryVideoRepository } from '../fakes/fakes';
import { InMemoryBilling } from '../money/in-memory-billing';

const videoId = 'vid_01JD0000000000000000000000';
const stored: StoredContent = {
  bucket: 'reelflow-videos',
  key: `videos/alice/${videoId}/video.mp4`,
  contentType: 'video/mp4',
  bytes: 123_456,
  sha256: 'ab'.repeat(32),
  variants: ['video', 'thumbnail', 'spritesheet'],
};
const state = { videoId, userId: 'alice', stored };

function setup(overrides: Parameters<typeof aVideo>[0] = {}) {
  const videos = new InMemoryVideoRepository([aVideo({ status: 'storing', ...overrides })]);
  const metrics = fakeMetrics();
  const marks: Array<{ state: string; keys: readonly string[]; status: string | undefined }> = [];
  const deps: RecordCompletionDeps = {
    money: new InMemoryBilling(videos),
    tags: {
      mark: async (_bucket, keys, tagState) => {
        marks.push({ state: tagState, keys, status: videos.videos.get(videoId)?.status });
      },
    },
    videos,
    clock: fixedClock('2025-11-21T05:00:00Z'),
    logger: fakeLogger(),
    metrics,
  };
  return { videos, metrics, marks, deps };
}

const KEYS = ['video.mp4', 'thumbnail.webp', 'spritesheet.jpg'].map((file) => `videos/alice/${videoId}/${file}`);

describe('record-completion', () => {
  it('completes the video, stores its content and charges the estimate once', async () => {
    // Prepare
    const { videos, metrics, deps } = setup();

    // Act
    const output = await recordCompletion(state, deps);

    // Assess
    expect(output).toBe(state);
    expect(videos.videos.get(videoId)).toMatchObject({
      status: 'completed',
      progress: 100,
      completedAt: 1_763_701_200,
      chargedMicros: 400_000,
      content: { contentType: 'video/mp4', bytes: 123_456, sha256: 'ab'.repeat(32), variants: stored.variants },
    });
    expect(metrics.total('VideosCompleted')).toBe(1);
    expect(metrics.total('ChargedMicros')).toBe(400_000);
  });

  it('changes nothing and succeeds when called a second time', async () => {
    // Prepare
    const { videos, metrics, deps } = setup();
    await recordCompletion(state, deps);
    const afterFirst = structuredClone(videos.videos.get(videoId));
    const later = { ...deps, clock: fixedClock('2025-11-21T06:00:00Z') };

    // Act
    const output = await recordCompletion(state, later);

    // Assess
    expect(output).toBe(state);
    expect(videos.videos.get(videoId)).toEqual(afterFirst);
    expect(metrics.total('VideosCompleted')).toBe(1);
  });

  it('leaves a cancelled video cancelled and uncharged, its objects tagged pending again (the bucket expires them)', async () => {
    // Prepare
    const { videos, marks, deps } = setup({ status: 'cancelled', chargedMicros: 0 });

    // Act
    await recordCompletion(state, deps);

    // Assess
    expect(videos.videos.get(videoId)).toMatchObject({ status: 'cancelled', chargedMicros: 0, content: null });
    expect(marks.map((mark) => [mark.state, mark.keys])).toEqual([
      ['completed', KEYS],
      ['pending', KEYS],
    ]);
  });

  it('counts a held cancel charged its price and tags its objects pending again (it is never delivered)', async () => {
    // Prepare: the money module charges a video cancelled after the provider accepted its job, which stays cancelled.
    const { metrics, marks, deps } = setup({ status: 'cancelled' });
    deps.money = {
      charge: async () => ({ applied: true, video: aVideo({ status: 'cancelled', chargedMicros: 400_000 }) }),
    };

    // Act
    await recordCompletion(state, deps);

    // Assess
    expect(metrics.total('CancelledVideosCharged')).toBe(1);
    expect(metrics.total('VideosCompleted')).toBe(0);
    expect(marks.map((mark) => mark.state)).toEqual(['completed', 'pending']);
  });

  it('tags every stored object completed before the video is marked completed', async () => {
    // Prepare
    const { marks, deps } = setup();

    // Act
    await recordCompletion({ ...state, stored: { ...stored, variants: ['video', 'thumbnail'] } }, deps);

    // Assess
    expect(marks).toEqual([{ state: 'completed', keys: KEYS.slice(0, 2), status: 'storing' }]);
  });

  it('tags the reference image with the content, completed then pending again, when a video made from one is found cancelled', async () => {
    // Prepare
    const reference = {
      bucket: 'reelflow-videos',
      key: `videos/alice/${videoId}/input-reference`,
      contentType: 'image/png' as const,
      bytes: 2048,
      width: 1280,
      height: 720,
      sha256: 'cd'.repeat(32),
      source: 'file' as const,
    };
    const completing = setup({ inputReference: reference });
    const cancelled = setup({ inputReference: reference, status: 'cancelled', chargedMicros: 0 });

    // Act
    await recordCompletion(state, completing.deps);
    await recordCompletion(state, cancelled.deps);

    // Assess
    expect(completing.marks).toEqual([{ state: 'completed', keys: [...KEYS, reference.key], status: 'storing' }]);
    expect(cancelled.marks.map((mark) => [mark.state, mark.keys])).toEqual([
      ['completed', [...KEYS, reference.key]],
      ['pending', [...KEYS, reference.key]],
    ]);
  });

  it('throws when the video does not exist', async () => {
    // Prepare
    const { deps } = setup();

    // Act / Assess
    await expect(recordCompletion({ ...state, videoId: 'vid_missing' }, deps)).rejects.toThrow(/does not exist/);
  });

  it('throws when the state has no stored content', () => {
    // Act / Assess
    expect(() => completionInput({ videoId, userId: 'alice' })).toThrow();
  });
});

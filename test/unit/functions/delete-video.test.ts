import { describe, expect, it } from 'vitest';
import { type DeleteVideoDeps, deleteVideo } from '../../../functions/delete-video/delete-video';
import { parseDeleteVideoRequest } from '../../../functions/delete-video/schema';
import { ConflictError, NotFoundError } from '../../../shared/errors';
import type { ReconcileWorkItem } from '../../../shared/money/reconciliation';
import type { VideoStatus } from '../../../shared/video/schemas';
import { promptHash } from '../../../shared/video/video';
import { alice, aVideo, bob, fakeLogger, fakeMetrics, fixedClock, InMemoryVideoRepository } from '../fakes/fakes';

const VIDEO_ID = 'vid_01JD0000000000000000000000';
const KEYS = ['video.mp4', 'thumbnail.webp', 'spritesheet.jpg'].map((file) => `videos/alice/${VIDEO_ID}/${file}`);

function setup(
  status: VideoStatus,
  options: { removeError?: Error; idempotencyRecordId?: string; providerVideoId?: string } = {},
) {
  const videos = new InMemoryVideoRepository([
    aVideo({
      videoId: VIDEO_ID,
      status,
      chargedMicros: status === 'completed' ? 400_000 : null,
      prompt: 'A secret kite',
      metadata: { topic: 'private' },
      providerVideoId: options.providerVideoId ?? null,
      ...(options.idempotencyRecordId === undefined ? {} : { idempotencyRecordId: options.idempotencyRecordId }),
    }),
  ]);
  const removed: Array<{ bucket: string; keys: readonly string[] }> = [];
  const forgotten: string[] = [];
  const queued: ReconcileWorkItem[] = [];
  const deps: DeleteVideoDeps = {
    videos,
    storage: {
      remove: async (bucket, keys) => {
        if (options.removeError !== undefined) throw options.removeError;
        removed.push({ bucket, keys });
      },
    },
    idempotencyRecords: {
      forget: async (recordId) => {
        forgotten.push(recordId);
      },
    },
    queue: {
      add: async (item) => {
        queued.push(item);
      },
    },
    bucket: 'the-bucket',
    clock: fixedClock('2025-11-21T04:40:00Z'),
    logger: fakeLogger(),
    metrics: fakeMetrics(),
  };
  return { videos, removed, forgotten, queued, deps };
}

const input = (caller = alice) => parseDeleteVideoRequest({ pathParameters: { id: VIDEO_ID } }, caller);

describe('delete-video', () => {
  it.each(['completed', 'failed', 'cancelled'] as const)(
    'returns video.deleted, removes the three objects and tombstones the record (cost kept) when %s',
    async (status) => {
      // Prepare
      const { videos, removed, deps } = setup(status);

      // Act
      const deleted = await deleteVideo(input(), deps);

      // Assess
      expect(deleted).toEqual({ id: VIDEO_ID, object: 'video.deleted', deleted: true });
      expect(removed).toEqual([{ bucket: 'the-bucket', keys: KEYS }]);
      const record = await videos.get(VIDEO_ID);
      expect(record).toMatchObject({ status, deletedAt: 1_763_700_000 });
      expect(record?.chargedMicros).toBe(status === 'completed' ? 400_000 : null);
      expect((await videos.listByUser('alice', { limit: 10 })).items).toEqual([]);
    },
  );

  it('scrubs the prompt and metadata (keeping the prompt’s hash) and removes the idempotency record of its key', async () => {
    // Prepare
    const { videos, forgotten, deps } = setup('completed', { idempotencyRecordId: 'reelflow-api#abc=' });

    // Act
    await deleteVideo(input(), deps);

    // Assess
    const record = await videos.get(VIDEO_ID);
    expect(record).toMatchObject({ prompt: '', metadata: {}, promptSha256: promptHash('A secret kite') });
    expect(JSON.stringify(record)).not.toMatch(/secret kite|private/);
    // Before the tombstone, and again after it (a replay racing the delete may have written it again).
    expect(forgotten).toEqual(['reelflow-api#abc=', 'reelflow-api#abc=']);
  });

  it('queues the deletion of the provider’s copy for the reconciler when the video has a provider job', async () => {
    // Prepare
    const { queued, deps } = setup('completed', { providerVideoId: 'video_abc' });

    // Act
    await deleteVideo(input(), deps);

    // Assess
    expect(queued).toEqual([
      {
        kind: 'provider_delete',
        videoId: VIDEO_ID,
        userId: 'alice',
        providerVideoId: 'video_abc',
        reason: 'deleted',
        givenUpAt: 1_763_700_000,
        dueAt: 1_763_700_000,
        checks: 0,
      },
    ]);
  });

  it('queues nothing for the provider when the video never had a provider job', async () => {
    // Prepare
    const { queued, deps } = setup('failed');

    // Act
    await deleteVideo(input(), deps);

    // Assess
    expect(queued).toEqual([]);
  });

  it('removes no idempotency record for a video made without an Idempotency-Key', async () => {
    // Prepare
    const { forgotten, deps } = setup('failed');

    // Act
    await deleteVideo(input(), deps);

    // Assess
    expect(forgotten).toEqual([]);
  });

  it('throws 404 for the second delete of the same video', async () => {
    // Prepare
    const { deps } = setup('completed');
    await deleteVideo(input(), deps);

    // Act
    const again = deleteVideo(input(), deps);

    // Assess
    await expect(again).rejects.toBeInstanceOf(NotFoundError);
  });

  it.each(['queued', 'in_progress', 'storing'] as const)(
    'throws 409 invalid_state and removes nothing when the video is %s',
    async (status) => {
      // Prepare
      const { videos, removed, deps } = setup(status);

      // Act
      const deletion = deleteVideo(input(), deps);

      // Assess
      await expect(deletion).rejects.toBeInstanceOf(ConflictError);
      await expect(deletion).rejects.toMatchObject({ code: 'invalid_state' });
      expect(removed).toEqual([]);
      expect((await videos.get(VIDEO_ID))?.deletedAt).toBeUndefined();
    },
  );

  it('throws 404 for someone else’s video and removes nothing', async () => {
    // Prepare
    const { removed, deps } = setup('completed');

    // Act
    const deletion = deleteVideo(input(bob), deps);

    // Assess
    await expect(deletion).rejects.toBeInstanceOf(NotFoundError);
    expect(removed).toEqual([]);
  });

  it('leaves the record as it was when removing the objects fails, so a retry can finish', async () => {
    // Prepare
    const { videos, deps } = setup('completed', { removeError: new Error('S3 unavailable') });

    // Act
    const deletion = deleteVideo(input(), deps);

    // Assess
    await expect(deletion).rejects.toThrow('S3 unavailable');
    expect((await videos.get(VIDEO_ID))?.deletedAt).toBeUndefined();
  });
});

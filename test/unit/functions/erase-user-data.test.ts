import { describe, expect, it } from 'vitest';
import {
  type EraseUserDataDeps,
  eraseUserData,
  STORE_SETTLE_SECONDS,
} from '../../../functions/reconcile-provider-costs/erase-user-data';
import type { UserErasure } from '../../../shared/erasure/user-erasures';
import type { ReconcileWorkItem } from '../../../shared/money/reconciliation';
import type { VideoStatus } from '../../../shared/video/schemas';
import { aVideo, fakeLogger, fakeMetrics, fixedClock, InMemoryVideoRepository } from '../fakes/fakes';

const NOW = 1_763_700_000;
const ERASURE: UserErasure = {
  erasureId: 'era_1',
  userId: 'alice',
  status: 'pending',
  requestedBy: 'fin',
  requestedAt: NOW,
  completedAt: null,
  videosErased: 0,
  videosCancelled: 0,
  objectsDeleted: 0,
};

function setup(videos: Array<{ id: string; status: VideoStatus; providerVideoId?: string }>, erasure = ERASURE) {
  const repository = new InMemoryVideoRepository(
    videos.map(({ id, status, providerVideoId }) =>
      aVideo({ videoId: id, status, prompt: `secret ${id}`, providerVideoId: providerVideoId ?? null }),
    ),
  );
  const removedKeys: string[] = [];
  const sweptPrefixes: string[] = [];
  const queued: ReconcileWorkItem[] = [];
  const cancelled: string[] = [];
  const stopped: string[] = [];
  const leftLine: string[] = [];
  const progress: Array<{ counts: unknown; completedAt?: number }> = [];
  // Two webhook endpoints of the user; deleting one removes its delivery log first.
  const endpoints = new Map([
    ['we_1', 3],
    ['we_2', 0],
  ]);
  const webhookCalls: string[] = [];
  const deps: EraseUserDataDeps = {
    videos: repository,
    storage: {
      remove: async (_bucket, keys) => {
        removedKeys.push(...keys);
      },
      removeUnder: async (_bucket, prefix) => {
        sweptPrefixes.push(prefix);
        return prefix.startsWith('uploads/') ? 2 : 0;
      },
    },
    idempotencyRecords: { forget: async () => {} },
    queue: {
      add: async (item) => {
        queued.push(item);
      },
    },
    erasures: {
      get: async () => erasure,
      recordProgress: async (_userId, _erasureId, counts, completedAt) => {
        progress.push({ counts, ...(completedAt === undefined ? {} : { completedAt }) });
        return true;
      },
    },
    // Like release.ts: a video the provider accepted is held (charged null), any other released at 0.
    canceller: {
      cancel: async (videoId) => {
        const video = repository.videos.get(videoId)!;
        cancelled.push(videoId);
        webhookCalls.push(`cancel ${videoId}`);
        const held = video.providerVideoId !== null;
        const after = { ...video, status: 'cancelled' as const, chargedMicros: held ? null : 0 };
        repository.videos.set(videoId, after);
        return { applied: true, video: after, held, previousStatus: video.status };
      },
    },
    pipeline: {
      stop: async (videoId) => {
        stopped.push(videoId);
      },
    },
    admission: {
      leaveQueue: async (videoId) => {
        leftLine.push(videoId);
      },
    },
    webhooks: {
      endpoints: {
        listAll: async (userId) => [...endpoints.keys()].map((endpointId) => ({ endpointId, userId }) as never),
        delete: async (_userId, endpointId) => {
          webhookCalls.push(`delete ${endpointId}`);
          return endpoints.delete(endpointId);
        },
      },
      deliveries: {
        removeAll: async (endpointId) => {
          webhookCalls.push(`removeAll ${endpointId}`);
          return endpoints.get(endpointId) ?? 0;
        },
      },
      eventBodies: {
        removeAll: async (userId) => {
          webhookCalls.push(`event bodies ${userId}`);
          return 0;
        },
      },
    },
    bucket: 'the-bucket',
    clock: fixedClock('2025-11-21T04:40:00Z'),
    logger: fakeLogger(),
    metrics: fakeMetrics(),
  };
  return {
    repository,
    removedKeys,
    sweptPrefixes,
    queued,
    cancelled,
    stopped,
    leftLine,
    progress,
    endpoints,
    webhookCalls,
    deps,
  };
}

const item = { userId: 'alice', erasureId: 'era_1' };

describe('erase-user-data', () => {
  it('cancels the running videos first, tombstones every video, sweeps both prefixes and completes the erasure', async () => {
    // Prepare
    const { repository, sweptPrefixes, queued, cancelled, stopped, leftLine, progress, endpoints, webhookCalls, deps } =
      setup([
        { id: 'vid_done', status: 'completed', providerVideoId: 'video_done' },
        { id: 'vid_running', status: 'in_progress', providerVideoId: 'video_running' },
        { id: 'vid_queued', status: 'queued' },
      ]);

    // Act
    const outcome = await eraseUserData(item, Number.POSITIVE_INFINITY, deps);

    // Assess
    expect(outcome).toEqual({
      state: 'completed',
      counts: { videosErased: 3, videosCancelled: 2, objectsDeleted: 2 },
    });
    expect(cancelled.sort()).toEqual(['vid_queued', 'vid_running']);
    expect(stopped.sort()).toEqual(['vid_queued', 'vid_running']);
    // The video without a provider job may have been waiting for a job slot; the held one's slot follows its job.
    expect(leftLine).toEqual(['vid_queued']);
    for (const video of repository.videos.values()) {
      expect(video).toMatchObject({ deletedAt: NOW, prompt: '' });
    }
    // The held cancel keeps its charge pending (settled later from the provider's outcome).
    expect(repository.videos.get('vid_running')?.chargedMicros).toBeNull();
    expect(queued.map((work) => [work.kind, work.providerVideoId]).sort()).toEqual([
      ['provider_delete', 'video_done'],
      ['provider_delete', 'video_running'],
    ]);
    expect(sweptPrefixes).toEqual(['videos/alice/', 'uploads/alice/']);
    expect(endpoints.size).toBe(0);
    // The endpoints and event bodies go before any cancel (whose events then reach nobody), and are looked at again.
    expect(webhookCalls).toEqual([
      'removeAll we_1',
      'delete we_1',
      'removeAll we_2',
      'delete we_2',
      'event bodies alice',
      'cancel vid_running',
      'cancel vid_queued',
      'event bodies alice',
    ]);
    expect(progress).toEqual([
      { counts: { videosErased: 3, videosCancelled: 2, objectsDeleted: 2 }, completedAt: NOW },
    ]);
  });

  it('continues after the store task’s time instead of completing when it cancelled a video while storing', async () => {
    // Prepare
    const { progress, deps } = setup([{ id: 'vid_storing', status: 'storing', providerVideoId: 'video_s' }]);

    // Act
    const outcome = await eraseUserData(item, Number.POSITIVE_INFINITY, deps);

    // Assess
    expect(outcome).toMatchObject({ state: 'continue', dueAt: NOW + STORE_SETTLE_SECONDS });
    expect(progress).toEqual([{ counts: { videosErased: 1, videosCancelled: 1, objectsDeleted: 2 } }]);
  });

  it('continues on a later run when the run’s time is up before it starts', async () => {
    // Prepare
    const { repository, progress, deps } = setup([{ id: 'vid_done', status: 'completed' }]);

    // Act
    const outcome = await eraseUserData(item, 0, deps);

    // Assess
    expect(outcome).toMatchObject({ state: 'continue', dueAt: NOW + 1 });
    expect(repository.videos.get('vid_done')?.deletedAt).toBeUndefined();
    expect(progress).toHaveLength(1);
  });

  it('does nothing for an erasure that is completed already or replaced by another', async () => {
    // Prepare
    const { repository, sweptPrefixes, deps } = setup([{ id: 'vid_done', status: 'completed' }], {
      ...ERASURE,
      erasureId: 'era_2',
    });

    // Act
    const outcome = await eraseUserData(item, Number.POSITIVE_INFINITY, deps);

    // Assess
    expect(outcome).toEqual({ state: 'stale' });
    expect(repository.videos.get('vid_done')?.deletedAt).toBeUndefined();
    expect(sweptPrefixes).toEqual([]);
  });
});

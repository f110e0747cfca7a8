import { describe, expect, it } from 'vitest';
import { type EraseUserDataDeps, eraseUserData } from '../../../functions/erase-user-data/erase-user-data';
import { type ErasureRunDeps, runErasure, STORE_SETTLE_SECONDS } from '../../../functions/erase-user-data/erasure-run';
import type { ErasureQueue } from '../../../shared/erasure/erasure-queue';
import type { UserErasure } from '../../../shared/erasure/user-erasures';
import {
  movedItem,
  type ReconcileWorkItem,
  type UserErasureWorkItem,
  userErasureWorkItem,
} from '../../../shared/money/reconciliation';
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
  const deps: ErasureRunDeps = {
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

describe('erase-user-data: one run of an erasure (erasure-run.ts)', () => {
  it('cancels the running videos first, tombstones every video, sweeps both prefixes and completes the erasure', async () => {
    // Prepare
    const { repository, sweptPrefixes, queued, cancelled, stopped, leftLine, progress, endpoints, webhookCalls, deps } =
      setup([
        { id: 'vid_done', status: 'completed', providerVideoId: 'video_done' },
        { id: 'vid_running', status: 'in_progress', providerVideoId: 'video_running' },
        { id: 'vid_queued', status: 'queued' },
      ]);

    // Act
    const outcome = await runErasure(item, Number.POSITIVE_INFINITY, deps);

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
    const outcome = await runErasure(item, Number.POSITIVE_INFINITY, deps);

    // Assess
    expect(outcome).toMatchObject({ state: 'continue', dueAt: NOW + STORE_SETTLE_SECONDS });
    expect(progress).toEqual([{ counts: { videosErased: 1, videosCancelled: 1, objectsDeleted: 2 } }]);
  });

  it('continues on a later run when the run’s time is up before it starts', async () => {
    // Prepare
    const { repository, progress, deps } = setup([{ id: 'vid_done', status: 'completed' }]);

    // Act
    const outcome = await runErasure(item, 0, deps);

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
    const outcome = await runErasure(item, Number.POSITIVE_INFINITY, deps);

    // Assess
    expect(outcome).toEqual({ state: 'stale' });
    expect(repository.videos.get('vid_done')?.deletedAt).toBeUndefined();
    expect(sweptPrefixes).toEqual([]);
  });
});

/** Erasure work items in memory, with the Dynamo queue's semantics (due by time, moves only when still there). */
class InMemoryErasureQueue implements ErasureQueue {
  constructor(public items: UserErasureWorkItem[] = []) {}

  async due(now: number, limit: number): Promise<UserErasureWorkItem[]> {
    return this.items
      .filter((work) => work.dueAt <= now)
      .sort((a, b) => a.dueAt - b.dueAt)
      .slice(0, limit)
      .map((work) => ({ ...work }));
  }

  async remove(work: UserErasureWorkItem): Promise<void> {
    this.items = this.items.filter((candidate) => !sameItem(candidate, work));
  }

  async reschedule(work: UserErasureWorkItem, dueAt: number, counted: 'check' | 'failure' = 'check') {
    const found = this.items.find((candidate) => sameItem(candidate, work));
    if (found === undefined) return false;
    // A move puts an item queued in the reconciler's partition into the erasure partition.
    const { inReconcilePartition: _moved, ...rest } = movedItem(work, dueAt, counted);
    this.items = [...this.items.filter((candidate) => candidate !== found), rest];
    return true;
  }
}

const sameItem = (a: UserErasureWorkItem, b: UserErasureWorkItem) =>
  a.erasureId === b.erasureId && a.dueAt === b.dueAt && a.inReconcilePartition === b.inReconcilePartition;

/** The run over due erasure items: `items` queued, the erasure's run wired as in setup(). */
function runSetup(
  items: UserErasureWorkItem[],
  videos: Array<{ id: string; status: VideoStatus; providerVideoId?: string }> = [],
) {
  const context = setup(videos);
  const queue = new InMemoryErasureQueue(items);
  const { clock, logger, metrics, ...run } = context.deps;
  const core: EraseUserDataDeps = {
    queue,
    run,
    clock,
    logger: fakeLogger(),
    metrics: fakeMetrics(),
    options: { retrySeconds: 48 * 3600, maxItems: 10 },
  };
  return { ...context, queue, core };
}

const queuedErasure = (overrides: Partial<UserErasureWorkItem> = {}): UserErasureWorkItem => ({
  ...userErasureWorkItem('alice', 'era_1', NOW - 60),
  ...overrides,
});

describe('erase-user-data: the run over due erasure work items', () => {
  it('returns completed and removes the item once its erasure is completed', async () => {
    // Prepare
    const { queue, repository, progress, core } = runSetup(
      [queuedErasure()],
      [{ id: 'vid_done', status: 'completed' }],
    );

    // Act
    const summary = await eraseUserData({ stopStartingAt: Number.POSITIVE_INFINITY }, core);

    // Assess
    expect(summary).toEqual({ completed: 1, continued: 0, errored: 0, abandoned: 0, inReconcilePartition: 0 });
    expect(queue.items).toEqual([]);
    expect(repository.videos.get('vid_done')).toMatchObject({ deletedAt: NOW });
    expect(progress).toMatchObject([{ completedAt: NOW }]);
    const metrics = core.metrics as ReturnType<typeof fakeMetrics>;
    expect(metrics.total('UserErasureItemsCompleted')).toBe(1);
    expect(metrics.total('UserErasuresCompleted')).toBe(1);
  });

  it('carries out an erasure queued in the reconciler’s partition before erasures had their own, and counts it', async () => {
    // Prepare: the item as the reader maps it (erasure id from `videoId`, request time from `givenUpAt`).
    const { queue, repository, core } = runSetup(
      [queuedErasure({ inReconcilePartition: true })],
      [{ id: 'vid_done', status: 'completed' }],
    );

    // Act
    const summary = await eraseUserData({ stopStartingAt: Number.POSITIVE_INFINITY }, core);

    // Assess
    expect(summary).toMatchObject({ completed: 1, inReconcilePartition: 1 });
    expect(queue.items).toEqual([]);
    expect(repository.videos.get('vid_done')).toMatchObject({ deletedAt: NOW });
    expect((core.metrics as ReturnType<typeof fakeMetrics>).total('UserErasureItemsInReconcilePartition')).toBe(1);
  });

  it('returns continued and moves the item to when the erasure goes on (never earlier than a second later)', async () => {
    // Prepare: a video cancelled while storing is swept again after its store task's time.
    const { queue, core } = runSetup(
      [queuedErasure({ inReconcilePartition: true })],
      [{ id: 'vid_storing', status: 'storing', providerVideoId: 'video_s' }],
    );

    // Act
    const summary = await eraseUserData({ stopStartingAt: Number.POSITIVE_INFINITY }, core);

    // Assess: moved out of the reconciler's partition, its run counted.
    expect(summary).toMatchObject({ continued: 1, completed: 0 });
    expect(queue.items).toEqual([{ ...queuedErasure(), dueAt: NOW + STORE_SETTLE_SECONDS, checks: 1 }]);
  });

  it('returns errored and runs the erasure again with backoff, then abandons it after too many failures', async () => {
    // Prepare
    const { queue, core } = runSetup([queuedErasure()]);
    core.run.erasures.get = async () => {
      throw new Error('boom');
    };

    // Act
    const first = await eraseUserData({ stopStartingAt: Number.POSITIVE_INFINITY }, core);
    const moved = { ...queue.items[0]! };
    queue.items[0]!.failures = 7;
    queue.items[0]!.dueAt = NOW - 1;
    const last = await eraseUserData({ stopStartingAt: Number.POSITIVE_INFINITY }, core);

    // Assess
    expect(first).toMatchObject({ errored: 1, abandoned: 0 });
    expect(moved).toEqual({ ...queuedErasure(), dueAt: NOW + 60, failures: 1 });
    expect(last).toMatchObject({ errored: 0, abandoned: 1 });
    expect(queue.items).toEqual([]);
    expect(core.logger.error).toHaveBeenLastCalledWith(
      'User erasure failed too often; its work item is abandoned and the erasure stays pending',
      expect.objectContaining({ userId: 'alice', erasureId: 'era_1', failures: 8, error: 'Error: boom' }),
    );
    expect((core.metrics as ReturnType<typeof fakeMetrics>).total('UserErasureItemsAbandoned')).toBe(1);
  });

  it('abandons a failing erasure at once past its retry window', async () => {
    // Prepare
    const { queue, core } = runSetup([queuedErasure({ requestedAt: NOW - 48 * 3600 })]);
    core.run.erasures.get = async () => {
      throw new Error('boom');
    };

    // Act
    const summary = await eraseUserData({ stopStartingAt: Number.POSITIVE_INFINITY }, core);

    // Assess
    expect(summary).toMatchObject({ abandoned: 1, errored: 0 });
    expect(queue.items).toEqual([]);
  });

  it('starts nothing past its time budget and leaves items not yet due', async () => {
    // Prepare
    const later = queuedErasure({ erasureId: 'era_2', dueAt: NOW + 60 });
    const { queue, progress, core } = runSetup([queuedErasure(), later]);

    // Act
    const outOfTime = await eraseUserData({ stopStartingAt: 0 }, core);

    // Assess
    expect(outOfTime).toEqual({ completed: 0, continued: 0, errored: 0, abandoned: 0, inReconcilePartition: 0 });
    expect(progress).toEqual([]);
    expect(queue.items).toHaveLength(2);
  });
});

import { APIError } from 'openai';
import { describe, expect, it } from 'vitest';
import { ORPHAN_SEARCH_WINDOW_SECONDS } from '../../../functions/reconcile-work-items/kinds/orphan-search';
import { nextDueAt } from '../../../functions/reconcile-work-items/kinds/recheck-schedule';
import {
  type ReconcileWorkItemsDeps,
  reconcileWorkItems,
} from '../../../functions/reconcile-work-items/reconcile-work-items';
import { PermanentProviderError, RetryableProviderError } from '../../../shared/errors';
import type { ReleaseOutcome } from '../../../shared/money/decisions';
import {
  failureDueAt,
  MAX_ITEM_FAILURES,
  MAX_RECHECK_DELAY_SECONDS,
  movedItem,
  type ReconcileQueue,
  type ReconcileWorkItem,
} from '../../../shared/money/reconciliation';
import { jobFingerprint } from '../../../shared/pipeline/orphaned-job';
import { GatedVideoProvider } from '../../../shared/provider/gate/gated-provider';
import { isTerminal, promptHash, type VideoRecord } from '../../../shared/video/video';
import {
  aProviderJob,
  aVideo,
  FakeProvider,
  fakeLogger,
  fakeMetrics,
  fakeSlots,
  fixedClock,
  InMemoryVideoRepository,
} from '../fakes/fakes';

const NOW = Date.parse('2026-11-21T12:00:00Z') / 1000;
const LOOKBACK = 48 * 3600;

/** Work items in memory, with the Dynamo queue's semantics (due by time, moves only when still there). */
class InMemoryQueue implements ReconcileQueue {
  constructor(public items: ReconcileWorkItem[] = []) {}

  async due(now: number, limit: number): Promise<ReconcileWorkItem[]> {
    return this.items
      .filter((item) => item.dueAt <= now)
      .sort((a, b) => a.dueAt - b.dueAt)
      .slice(0, limit)
      .map((item) => ({ ...item }));
  }

  async add(item: ReconcileWorkItem): Promise<void> {
    await this.remove(item);
    this.items.push({ ...item });
  }

  async remove(item: ReconcileWorkItem): Promise<void> {
    this.items = this.items.filter((candidate) => !same(candidate, item));
  }

  async reschedule(item: ReconcileWorkItem, dueAt: number, counted: 'check' | 'failure' = 'check'): Promise<boolean> {
    const found = this.items.find((candidate) => same(candidate, item));
    if (found === undefined) return false;
    Object.assign(found, movedItem(item, dueAt, counted));
    return true;
  }
}

const same = (a: ReconcileWorkItem, b: ReconcileWorkItem) =>
  a.videoId === b.videoId && a.dueAt === b.dueAt && (a.kind ?? 'provider_job') === (b.kind ?? 'provider_job');

function anItem(overrides: Partial<ReconcileWorkItem> = {}): ReconcileWorkItem {
  return {
    kind: 'provider_job',
    videoId: 'vid_01JD0000000000000000000001',
    userId: 'alice',
    providerVideoId: 'video_1',
    reason: 'cancelled',
    givenUpAt: NOW - 600,
    dueAt: NOW - 600,
    checks: 0,
    ...overrides,
  };
}

function setup(
  items: ReconcileWorkItem[],
  jobs = [aProviderJob({ id: 'video_1', status: 'completed' })],
  videoRecords: VideoRecord[] = [],
) {
  const queue = new InMemoryQueue(items);
  const provider = new FakeProvider();
  provider.jobs = jobs;
  const videos = new InMemoryVideoRepository(videoRecords);
  const recorded = new Set<string>();
  const recordedJobs: Array<string | undefined> = [];
  const released: Array<{ videoId: string; outcome: ReleaseOutcome }> = [];
  /** Videos cancelled after the provider accepted their job, not settled yet (the money module's held cancels). */
  const heldCancels = new Set<string>();
  const releasedHeldCancels = new Set<string>();
  const chargedCancels: string[] = [];
  const calls: string[] = [];
  const slots = fakeSlots();
  const metrics = fakeMetrics();
  const logger = fakeLogger();
  const deps: ReconcileWorkItemsDeps = {
    queue,
    provider,
    slots,
    costs: {
      // Like DynamoBilling: true only for the call that writes the entry.
      recordProviderCostOf: async (videoId: string, _now: number, providerVideoId?: string) => {
        calls.push(videoId);
        if (recorded.has(videoId)) return false;
        recorded.add(videoId);
        recordedJobs.push(providerVideoId);
        return true;
      },
      // Like DynamoBilling: applied once, only to a video that is not settled.
      release: async (videoId: string, outcome: ReleaseOutcome) => {
        const video = videos.videos.get(videoId);
        if (video !== undefined && heldCancels.has(videoId)) {
          if (outcome.status !== 'cancelled' || outcome.settlesHeldCancel === undefined) {
            return { applied: false, video, awaitingProvider: true };
          }
          heldCancels.delete(videoId);
          releasedHeldCancels.add(videoId);
          released.push({ videoId, outcome });
          video.chargedMicros = 0;
          return { applied: true, video: structuredClone(video) };
        }
        if (video === undefined || isTerminal(video.status)) return { applied: false, video };
        released.push({ videoId, outcome });
        Object.assign(video, { status: outcome.status, chargedMicros: 0 });
        return { applied: true, video: structuredClone(video) };
      },
      // Like DynamoBilling: only an unsettled held cancel without a job id takes the job.
      recordHeldCancelJob: async (videoId: string, providerVideoId: string) => {
        const video = videos.videos.get(videoId);
        if (video === undefined || !heldCancels.has(videoId) || video.providerVideoId !== null) return false;
        video.providerVideoId = providerVideoId;
        return true;
      },
      // Like DynamoBilling: a held cancel is charged its price once; one released already has its provider cost
      // recorded instead.
      chargeCancelled: async (videoId: string) => {
        const video = videos.videos.get(videoId);
        if (video !== undefined && releasedHeldCancels.has(videoId)) {
          const providerCostRecorded = !recorded.has(videoId);
          recorded.add(videoId);
          return { applied: false, video, providerCostRecorded };
        }
        if (video === undefined || !heldCancels.delete(videoId)) return { applied: false, video };
        chargedCancels.push(videoId);
        video.chargedMicros = video.estimatedMicros;
        return { applied: true, video: structuredClone(video) };
      },
    },
    videos,
    clock: fixedClock('2026-11-21T12:00:00Z'),
    logger,
    metrics,
    options: { lookbackSeconds: LOOKBACK, maxItems: 100, slotLeaseSeconds: 900 },
  };
  return {
    queue,
    provider,
    videos,
    recorded,
    recordedJobs,
    released,
    heldCancels,
    chargedCancels,
    calls,
    slotCalls: slots.calls,
    metrics,
    logger,
    deps,
  };
}

const run = (deps: ReconcileWorkItemsDeps) => reconcileWorkItems({ stopStartingAt: Infinity }, deps);

describe('reconcile-work-items', () => {
  it('returns completed and records the provider cost once when a given-up job completed', async () => {
    const { queue, recorded, calls, metrics, deps } = setup([anItem()]);

    const first = await run(deps);
    const second = await run(deps);

    expect(first).toMatchObject({ completed: 1, recorded: 1, rescheduled: 0, abandoned: 0, deferred: 0 });
    expect(second).toMatchObject({ completed: 0, recorded: 0 });
    expect([...recorded]).toEqual(['vid_01JD0000000000000000000001']);
    expect(calls).toHaveLength(1);
    expect(queue.items).toEqual([]);
    expect(metrics.total('WorkItemReconcileRecorded')).toBe(1);
  });

  it('returns completed without recording again when the cost was recorded by an earlier path', async () => {
    const { queue, recorded, deps } = setup([anItem()]);
    recorded.add('vid_01JD0000000000000000000001');

    const summary = await run(deps);

    expect(summary).toMatchObject({ completed: 1, recorded: 0 });
    expect(queue.items).toEqual([]);
  });

  it('returns failed, records nothing and removes the item when the provider job failed', async () => {
    const { queue, calls, deps } = setup(
      [anItem()],
      [aProviderJob({ id: 'video_1', status: 'failed', error: { code: 'moderation_blocked', message: 'no' } })],
    );

    const summary = await run(deps);

    expect(summary).toMatchObject({ failed: 1, completed: 0, recorded: 0 });
    expect(calls).toEqual([]);
    expect(queue.items).toEqual([]);
  });

  it('returns rescheduled and moves the item later when the job is still running', async () => {
    const item = anItem();
    const { queue, calls, deps } = setup([item], [aProviderJob({ id: 'video_1', status: 'in_progress' })]);

    const summary = await run(deps);

    expect(summary).toMatchObject({ rescheduled: 1, completed: 0 });
    expect(calls).toEqual([]);
    expect(queue.items).toEqual([{ ...item, dueAt: NOW + 600, checks: 1 }]);
  });

  it('returns abandoned, removes the item and logs when the job is still running after the lookback window', async () => {
    const { queue, logger, deps } = setup(
      [anItem({ givenUpAt: NOW - LOOKBACK, dueAt: NOW - 10 })],
      [aProviderJob({ id: 'video_1', status: 'queued' })],
    );

    const summary = await run(deps);

    expect(summary).toMatchObject({ abandoned: 1, rescheduled: 0 });
    expect(queue.items).toEqual([]);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining('lookback window'),
      expect.objectContaining({ videoId: 'vid_01JD0000000000000000000001' }),
    );
  });

  it('returns deferred and leaves the item when the provider answers 5xx, and stops the run on a 429', async () => {
    const items = [anItem(), anItem({ videoId: 'vid_2', dueAt: NOW - 500 }), anItem({ videoId: 'vid_3', dueAt: NOW })];
    const { queue, provider, calls, deps } = setup(items);
    provider.retrieveResults = [
      new RetryableProviderError('503'),
      new RetryableProviderError('429', { rateLimited: true }),
    ];

    const summary = await run(deps);

    expect(summary).toMatchObject({ deferred: 2, completed: 0 });
    expect(calls).toEqual([]);
    expect(queue.items.map((item) => item.videoId)).toEqual(['vid_01JD0000000000000000000001', 'vid_2', 'vid_3']);
  });

  it('returns abandoned and removes the item when the provider no longer knows the job (404)', async () => {
    const { queue, provider, logger, deps } = setup([anItem()]);
    const notFound = new APIError(404, { message: 'gone' }, 'gone', new Headers());
    provider.retrieveResults = [new PermanentProviderError('404', { cause: notFound })];

    const summary = await run(deps);

    expect(summary).toMatchObject({ abandoned: 1 });
    expect(queue.items).toEqual([]);
    expect(logger.error).toHaveBeenCalled();
  });

  it('returns errored, reschedules the item with backoff and goes on when one item fails unexpectedly (e.g. 401)', async () => {
    const items = [anItem({ videoId: 'vid_bad', providerVideoId: 'video_bad', dueAt: NOW - 700 }), anItem()];
    const { queue, provider, recorded, logger, deps } = setup(items);
    const unauthorized = new APIError(401, { message: 'bad key' }, 'bad key', new Headers());
    provider.retrieveResults = [new PermanentProviderError('401', { cause: unauthorized })];

    const summary = await run(deps);

    expect(summary).toMatchObject({ errored: 1, completed: 1, recorded: 1 });
    expect([...recorded]).toEqual(['vid_01JD0000000000000000000001']);
    expect(queue.items).toEqual([{ ...items[0]!, dueAt: NOW + 60, failures: 1 }]);
    expect(logger.error).toHaveBeenCalledWith(
      expect.stringContaining('looked at again later'),
      expect.objectContaining({ videoId: 'vid_bad', failures: 1, error: expect.stringContaining('401') }),
    );
  });

  it('returns errored and goes on when recording the cost throws, and when the failed item cannot even be moved', async () => {
    const items = [anItem({ videoId: 'vid_bad', dueAt: NOW - 700 }), anItem({ videoId: 'vid_good' })];
    const { queue, deps } = setup(items);
    const recordedIds: string[] = [];
    deps.costs = {
      ...deps.costs,
      recordProviderCostOf: async (videoId: string) => {
        if (videoId === 'vid_bad') throw new Error('ValidationException: item too large');
        recordedIds.push(videoId);
        return true;
      },
    };
    const reschedule = queue.reschedule.bind(queue);
    queue.reschedule = async () => {
      throw new Error('ProvisionedThroughputExceededException');
    };

    const stuck = await run(deps);
    queue.reschedule = reschedule;

    expect(stuck).toMatchObject({ errored: 1, completed: 1 });
    expect(recordedIds).toEqual(['vid_good']);
    expect(queue.items.map((item) => item.videoId)).toEqual(['vid_bad']);
  });

  it('returns abandoned and removes the item when it fails for the last allowed time', async () => {
    const { queue, provider, logger, deps } = setup([anItem({ failures: MAX_ITEM_FAILURES - 1 })]);
    provider.retrieveResults = [new Error('unexpected')];

    const summary = await run(deps);

    expect(summary).toMatchObject({ abandoned: 1, errored: 0 });
    expect(queue.items).toEqual([]);
    expect(logger.error).toHaveBeenCalledWith(
      expect.stringContaining('abandoned'),
      expect.objectContaining({ failures: MAX_ITEM_FAILURES }),
    );
  });

  it('returns deadlineReleased and releases the video as timed_out when its deadline watch is due unsettled', async () => {
    const watch = anItem({ kind: 'deadline', providerVideoId: null, reason: 'timed_out', givenUpAt: NOW, dueAt: NOW });
    const { queue, released, logger, deps } = setup(
      [watch],
      [],
      [aVideo({ videoId: watch.videoId, status: 'storing' })],
    );

    const first = await run(deps);
    const second = await run(deps);

    expect(first).toMatchObject({ deadlineReleased: 1, deadlineCleared: 0 });
    expect(second).toMatchObject({ deadlineReleased: 0 });
    expect(released).toEqual([
      {
        videoId: watch.videoId,
        outcome: {
          status: 'failed',
          error: { code: 'timed_out', message: 'The video did not finish in time' },
          now: NOW,
        },
      },
    ]);
    expect(queue.items).toEqual([]);
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('released as timed_out'), expect.anything());
  });

  it('returns deadlineCleared and only removes the watch when the video was settled', async () => {
    const watch = anItem({ kind: 'deadline', providerVideoId: null, reason: 'timed_out', dueAt: NOW });
    const { queue, released, deps } = setup([watch, anItem()], undefined, [
      aVideo({ videoId: watch.videoId, status: 'completed', chargedMicros: 400_000 }),
    ]);

    const summary = await run(deps);

    expect(summary).toMatchObject({ deadlineCleared: 1, deadlineReleased: 0, completed: 1 });
    expect(released).toEqual([]);
    expect(queue.items).toEqual([]);
  });

  /** A video cancelled during a create attempt 300 s ago, and the orphan search for its job. */
  const cancelledDuringCreate = () => ({
    video: aVideo({
      videoId: 'vid_orphan',
      status: 'cancelled',
      providerCreateAttempts: 1,
      providerFirstAttemptAt: NOW - 300,
    }),
    search: anItem({ kind: 'orphan_search', videoId: 'vid_orphan', providerVideoId: null }),
  });

  it('returns completed and records the cost of the job an orphan search finds and claims', async () => {
    const { video, search } = cancelledDuringCreate();
    const jobs = [
      aProviderJob({ id: 'video_other', prompt: 'something else', status: 'completed', createdAt: NOW - 200 }),
      aProviderJob({ id: 'video_orphan', prompt: video.prompt, status: 'completed', createdAt: NOW - 290 }),
    ];
    const { queue, videos, recordedJobs, deps } = setup([search], jobs, [video]);

    const summary = await run(deps);

    expect(summary).toMatchObject({ completed: 1, recorded: 1 });
    expect(recordedJobs).toEqual(['video_orphan']);
    expect(videos.claims.get('video_orphan')).toBe('vid_orphan');
    expect(queue.items).toEqual([]);
  });

  it('returns rescheduled without claiming a matching job when another video asked for a job like it', async () => {
    // Prepare: another user's video asked for a job the list cannot tell from this one's (its image is not shown).
    const { video, search } = cancelledDuringCreate();
    const jobs = [
      aProviderJob({ id: 'video_lookalike', prompt: video.prompt, status: 'completed', createdAt: NOW - 250 }),
    ];
    const { queue, videos, recordedJobs, deps } = setup([search], jobs, [video]);
    const other = aVideo({ videoId: 'vid_bobs', userId: 'bob' });
    await videos.recordJobFingerprint(jobFingerprint(other), other.videoId, NOW - 260);

    // Act
    const summary = await run(deps);

    // Assess
    expect(summary).toMatchObject({ rescheduled: 1, completed: 0 });
    expect(recordedJobs).toEqual([]);
    expect(videos.claims.has('video_lookalike')).toBe(false);
    expect(queue.items).toEqual([{ ...search, dueAt: NOW + 600, checks: 1 }]);
  });

  it('returns completed and records the cost of the orphaned job of a video deleted since (prompt gone, its hash kept)', async () => {
    const deleted = aVideo({
      videoId: 'vid_orphan',
      status: 'cancelled',
      providerCreateAttempts: 1,
      providerFirstAttemptAt: NOW - 300,
      prompt: '',
      metadata: {},
      promptSha256: promptHash('A kite cancelled and deleted at once'),
      deletedAt: NOW - 100,
    });
    const search = anItem({ kind: 'orphan_search', videoId: 'vid_orphan', providerVideoId: null });
    const jobs = [
      aProviderJob({ id: 'video_other', prompt: '', status: 'completed', createdAt: NOW - 200 }),
      aProviderJob({
        id: 'video_orphan',
        prompt: ' A kite cancelled and deleted at once ',
        status: 'completed',
        createdAt: NOW - 290,
      }),
    ];
    const { recordedJobs, deps } = setup([search], jobs, [deleted]);

    const summary = await run(deps);

    expect(summary).toMatchObject({ completed: 1, recorded: 1 });
    expect(recordedJobs).toEqual(['video_orphan']);
  });

  it('returns rescheduled with the found job kept when the orphaned job is still running', async () => {
    const video = aVideo({ videoId: 'vid_orphan', status: 'cancelled', providerCreateAttempts: 1 });
    const search = anItem({ kind: 'orphan_search', videoId: 'vid_orphan', providerVideoId: null });
    const jobs = [aProviderJob({ id: 'video_orphan', prompt: video.prompt, status: 'in_progress', createdAt: NOW })];
    const { queue, deps } = setup([search], jobs, [aVideo({ ...video, providerFirstAttemptAt: NOW - 10 })]);

    const summary = await run(deps);

    expect(summary).toMatchObject({ rescheduled: 1 });
    expect(queue.items).toEqual([{ ...search, providerVideoId: 'video_orphan', dueAt: NOW + 600, checks: 1 }]);
  });

  it('returns rescheduled while no orphaned job is found, then noJob once the search window is over', async () => {
    const video = aVideo({ videoId: 'vid_orphan', status: 'cancelled', providerCreateAttempts: 1 });
    const early = anItem({ kind: 'orphan_search', videoId: 'vid_orphan', providerVideoId: null });
    const late = anItem({ ...early, videoId: 'vid_late', givenUpAt: NOW - 3600, dueAt: NOW - 5 });
    const records = [video, aVideo({ ...video, videoId: 'vid_late' })];
    const { queue, recorded, deps } = setup([early, late], [], records);

    const summary = await run(deps);

    expect(summary).toMatchObject({ rescheduled: 1, noJob: 1, completed: 0 });
    expect([...recorded]).toEqual([]);
    expect(queue.items).toEqual([{ ...early, dueAt: NOW + 600, checks: 1 }]);
  });

  it('returns without touching items that are not due yet or past the time budget', async () => {
    const { queue, deps } = setup([anItem({ dueAt: NOW + 60 })]);

    const notDue = await run(deps);
    queue.items[0]!.dueAt = NOW - 1;
    const outOfTime = await reconcileWorkItems({ stopStartingAt: 0 }, deps);

    expect(notDue).toMatchObject({ completed: 0, rescheduled: 0 });
    expect(outOfTime).toMatchObject({ completed: 0, rescheduled: 0 });
    expect(queue.items).toHaveLength(1);
  });
});

describe('failureDueAt', () => {
  it('returns 1, 2, 4 ... minutes after each failure, capped, within the window', () => {
    const item = anItem({ givenUpAt: NOW });

    expect(failureDueAt(item.givenUpAt, 1, NOW, LOOKBACK)).toBe(NOW + 60);
    expect(failureDueAt(item.givenUpAt, 3, NOW, LOOKBACK)).toBe(NOW + 240);
    expect(failureDueAt(item.givenUpAt, 20, NOW, LOOKBACK)).toBe(NOW + MAX_RECHECK_DELAY_SECONDS);
    expect(failureDueAt(item.givenUpAt, 1, NOW + LOOKBACK - 10, LOOKBACK)).toBe(NOW + LOOKBACK);
  });
});

describe('nextDueAt', () => {
  it('returns a delay as long as the job has been followed, between 1 s and the cap, within the window', () => {
    const item = anItem({ givenUpAt: NOW });

    expect(nextDueAt(item, NOW, LOOKBACK)).toBe(NOW + 1);
    expect(nextDueAt(item, NOW + 900, LOOKBACK)).toBe(NOW + 1800);
    expect(nextDueAt(item, NOW + 20 * 3600, LOOKBACK)).toBe(NOW + 20 * 3600 + MAX_RECHECK_DELAY_SECONDS);
    expect(nextDueAt(item, NOW + 45 * 3600, LOOKBACK)).toBe(NOW + LOOKBACK);
  });

  describe('held cancels (cancelled after the provider accepted the job)', () => {
    const VIDEO_ID = 'vid_01JD0000000000000000000001';
    const settlement = (overrides: Partial<ReconcileWorkItem> = {}) =>
      anItem({ kind: 'cancel_settlement', givenUpAt: NOW - 60, dueAt: NOW - 60, ...overrides });
    const heldSetup = (status: 'queued' | 'in_progress' | 'completed' | 'failed', items = [settlement()]) => {
      const context = setup(
        items,
        [aProviderJob({ id: 'video_1', status })],
        [aVideo({ videoId: VIDEO_ID, status: 'cancelled', providerVideoId: 'video_1', estimatedMicros: 400_000 })],
      );
      context.heldCancels.add(VIDEO_ID);
      return context;
    };
    const refused = () =>
      new PermanentProviderError('400', {
        providerCode: 'invalid_video_status',
        cause: new APIError(400, { message: 'running' }, 'running', new Headers()),
      });

    it('returns cancelCharged and charges the price once when the provider completed the job', async () => {
      const { queue, chargedCancels, released, recorded, videos, deps } = heldSetup('completed');

      const first = await run(deps);
      const second = await run(deps);

      expect(first).toMatchObject({ cancelCharged: 1, cancelReleased: 0, cancelGaveUp: 0 });
      expect(second).toMatchObject({ cancelCharged: 0 });
      expect(chargedCancels).toEqual([VIDEO_ID]);
      expect(released).toEqual([]);
      expect(recorded.size).toBe(0);
      expect(videos.videos.get(VIDEO_ID)?.chargedMicros).toBe(400_000);
      expect(queue.items).toEqual([]);
    });

    it('returns cancelReleased and releases at 0 when the provider job failed', async () => {
      const { queue, chargedCancels, released, deps } = heldSetup('failed');

      const summary = await run(deps);

      expect(summary).toMatchObject({ cancelReleased: 1, cancelCharged: 0 });
      expect(released).toEqual([
        { videoId: VIDEO_ID, outcome: { status: 'cancelled', now: NOW, settlesHeldCancel: 'provider_ended' } },
      ]);
      expect(chargedCancels).toEqual([]);
      expect(queue.items).toEqual([]);
    });

    it('returns cancelReleased when the provider deletes the running job it was asked to stop', async () => {
      const { queue, provider, released, deps } = heldSetup('in_progress');

      const summary = await run(deps);

      expect(provider.deleted).toEqual(['video_1']);
      expect(summary).toMatchObject({ cancelReleased: 1 });
      expect(released.map((entry) => entry.outcome)).toMatchObject([{ settlesHeldCancel: 'provider_ended' }]);
      expect(queue.items).toEqual([]);
    });

    it('returns rescheduled and keeps the reservation when the provider refuses to stop a running job', async () => {
      const { queue, provider, released, chargedCancels, deps } = heldSetup('in_progress');
      provider.deleteResults = [refused()];

      const summary = await run(deps);

      expect(provider.deleted).toEqual(['video_1']);
      expect(summary).toMatchObject({ rescheduled: 1, cancelReleased: 0, cancelCharged: 0 });
      expect(released).toEqual([]);
      expect(chargedCancels).toEqual([]);
      expect(queue.items).toMatchObject([{ kind: 'cancel_settlement', checks: 1 }]);
      expect(queue.items[0]!.dueAt).toBeGreaterThan(NOW);
    });

    it('asks a running job to stop on the first visit only: a later visit that finds it running just follows it', async () => {
      const { queue, provider, released, deps } = heldSetup('in_progress', [settlement({ checks: 1 })]);

      const summary = await run(deps);

      // A delete sent now could land just after the job completed and pass for a stop (released at 0, yet billed).
      expect(provider.deleted).toEqual([]);
      expect(summary).toMatchObject({ rescheduled: 1, cancelReleased: 0, cancelCharged: 0 });
      expect(released).toEqual([]);
      expect(queue.items).toMatchObject([{ kind: 'cancel_settlement', checks: 2 }]);
    });

    it('returns cancelReleased when the provider no longer knows the job (404)', async () => {
      const { provider, released, deps } = heldSetup('in_progress');
      provider.retrieveResults = [
        new PermanentProviderError('404', { cause: new APIError(404, { message: 'gone' }, 'gone', new Headers()) }),
      ];

      const summary = await run(deps);

      expect(summary).toMatchObject({ cancelReleased: 1 });
      expect(released).toHaveLength(1);
    });

    it('returns deferred and leaves the item when the provider is unavailable within the window', async () => {
      const { queue, provider, released, deps } = heldSetup('in_progress');
      provider.retrieveResults = [new RetryableProviderError('503')];

      const summary = await run(deps);

      expect(summary).toMatchObject({ deferred: 1 });
      expect(released).toEqual([]);
      expect(queue.items).toMatchObject([{ kind: 'cancel_settlement', checks: 0 }]);
    });

    it('frees the job slot once the provider ended the job: completed, failed, deleted on request, unknown (404)', async () => {
      const outcomes: string[][] = [];
      for (const status of ['completed', 'failed', 'in_progress'] as const) {
        const { slotCalls, deps } = heldSetup(status);
        await run(deps);
        outcomes.push(slotCalls);
      }
      const gone = heldSetup('in_progress');
      gone.provider.retrieveResults = [
        new PermanentProviderError('404', { cause: new APIError(404, { message: 'gone' }, 'gone', new Headers()) }),
      ];
      await run(gone.deps);
      outcomes.push(gone.slotCalls);

      expect(outcomes).toEqual(Array.from({ length: 4 }, () => [`release ${VIDEO_ID}`]));
    });

    it('renews the slot of a job still running that would not stop, and looks again within half a lease', async () => {
      const { queue, provider, slotCalls, deps } = heldSetup('in_progress');
      provider.deleteResults = [refused()];
      deps.options.slotLeaseSeconds = 120;

      await run(deps);

      expect(slotCalls).toEqual([`renew ${VIDEO_ID}`]);
      // Followed for 60 s so far (the next look would be 60 s away anyway); a lease of 120 s allows 60.
      expect(queue.items[0]!.dueAt).toBeLessThanOrEqual(NOW + 60);
    });

    it('looks at a long-followed running job again before its slot lease lapses, not hours later', async () => {
      const old = settlement({ givenUpAt: NOW - 4 * 3600, dueAt: NOW - 1 });
      const { queue, provider, slotCalls, deps } = heldSetup('in_progress', [old]);
      provider.deleteResults = [refused()];

      await run(deps);

      expect(slotCalls).toEqual([`renew ${VIDEO_ID}`]);
      expect(queue.items[0]!.dueAt).toBe(NOW + 450);
    });

    it('takes a gate token for the stop request: without one nothing is sent, the item waits and the slot stays', async () => {
      const { queue, provider, slotCalls, deps } = heldSetup('in_progress');
      const tokens = [true, false];
      deps.provider = new GatedVideoProvider(provider, {
        takeTokens: async () => (tokens.shift() ? { granted: true } : { granted: false, waitSeconds: 5, waitMs: 5000 }),
      });

      const summary = await run(deps);

      expect(summary).toMatchObject({ deferred: 1, cancelReleased: 0 });
      expect(provider.deleted).toEqual([]);
      expect(slotCalls).toEqual([]);
      expect(queue.items).toMatchObject([{ kind: 'cancel_settlement', checks: 0 }]);
    });

    it('returns cancelGaveUp, releases at 0, counts the metric and logs an error once the window is over', async () => {
      const late = settlement({ givenUpAt: NOW - LOOKBACK - 1, dueAt: NOW - 1 });
      const { queue, provider, released, metrics, logger, deps } = heldSetup('in_progress', [late]);
      provider.deleteResults = [refused()];

      const summary = await run(deps);

      expect(summary).toMatchObject({ cancelGaveUp: 1 });
      expect(released.map((entry) => entry.outcome)).toMatchObject([{ settlesHeldCancel: 'gave_up' }]);
      expect(metrics.total('CancelledSettlementGaveUp')).toBe(1);
      expect(logger.error).toHaveBeenCalledWith(
        expect.stringContaining('Gave up'),
        expect.objectContaining({ videoId: VIDEO_ID, providerStatus: 'in_progress' }),
      );
      expect(queue.items).toEqual([]);
    });

    it('returns cancelGaveUp when the deadline watch falls due, and keeps following the job', async () => {
      const watch = anItem({
        kind: 'deadline',
        providerVideoId: null,
        reason: 'timed_out',
        givenUpAt: NOW,
        dueAt: NOW,
      });
      const later = settlement({ dueAt: NOW + 600 });
      const { queue, released, metrics, deps } = heldSetup('in_progress', [watch, later]);

      const summary = await run(deps);

      expect(summary).toMatchObject({ cancelGaveUp: 1, deadlineReleased: 0 });
      expect(released.map((entry) => entry.outcome)).toMatchObject([{ settlesHeldCancel: 'gave_up' }]);
      expect(metrics.total('CancelledSettlementGaveUp')).toBe(1);
      expect(queue.items).toMatchObject([{ kind: 'cancel_settlement' }]);
    });
  });
});

describe('reconcile-work-items: held cancels without a job id (cancelled while the create was in flight)', () => {
  const VIDEO_ID = 'vid_01JD0000000000000000000001';
  const inFlight = aVideo({
    videoId: VIDEO_ID,
    status: 'cancelled',
    providerVideoId: null,
    providerCreateAttempts: 1,
    providerFirstAttemptAt: NOW - 300,
    estimatedMicros: 400_000,
  });
  const settlement = (overrides: Partial<ReconcileWorkItem> = {}) =>
    anItem({ kind: 'cancel_settlement', providerVideoId: null, givenUpAt: NOW - 180, dueAt: NOW - 60, ...overrides });
  const theJob = (status: 'in_progress' | 'completed') =>
    aProviderJob({ id: 'video_late', prompt: inFlight.prompt, status, createdAt: NOW - 290 });
  const jobless = (items: ReconcileWorkItem[], jobs: ReturnType<typeof aProviderJob>[], video = inFlight) => {
    const context = setup(items, jobs, [video]);
    context.heldCancels.add(VIDEO_ID);
    return context;
  };

  it('returns cancelCharged, charged its price once, when the orphan search finds the job the provider completed', async () => {
    // Prepare
    const { queue, videos, chargedCancels, recorded, deps } = jobless([settlement()], [theJob('completed')]);

    // Act
    const summary = await run(deps);

    // Assess
    expect(summary).toMatchObject({ cancelCharged: 1, cancelReleased: 0 });
    expect(chargedCancels).toEqual([VIDEO_ID]);
    expect(videos.claims.get('video_late')).toBe(VIDEO_ID);
    expect(videos.videos.get(VIDEO_ID)?.providerVideoId).toBe('video_late');
    expect(recorded.size).toBe(0);
    expect(queue.items).toEqual([]);
  });

  it('returns cancelCharged for the job recorded on the video since, without listing the provider’s jobs', async () => {
    // Prepare: the create's late answer (or the job's webhook) named the job; this provider does not list.
    const named = { ...inFlight, providerVideoId: 'video_late' };
    const { provider, chargedCancels, deps } = jobless([settlement()], [theJob('completed')], named);
    provider.list = () => {
      throw new PermanentProviderError('Provider list answered 404');
    };

    // Act
    const summary = await run(deps);

    // Assess
    expect(summary).toMatchObject({ cancelCharged: 1 });
    expect(chargedCancels).toEqual([VIDEO_ID]);
  });

  it('asks the job it found running to stop, even on a later visit, and releases at 0 once the provider deleted it', async () => {
    // Prepare: found on the third look (checks 2).
    const { provider, released, deps } = jobless([settlement({ checks: 2 })], [theJob('in_progress')]);

    // Act
    const summary = await run(deps);

    // Assess
    expect(provider.deleted).toEqual(['video_late']);
    expect(summary).toMatchObject({ cancelReleased: 1 });
    expect(released.map((entry) => entry.outcome)).toMatchObject([{ settlesHeldCancel: 'provider_ended' }]);
  });

  it('returns cancelReleased at 0 at its first visit when the provider lists no job for it, and keeps looking', async () => {
    // Prepare: the create answered 5xx without making a job, and its retry found the video cancelled.
    const { queue, released, chargedCancels, slotCalls, deps } = jobless([settlement()], []);

    // Act
    const summary = await run(deps);

    // Assess
    expect(summary).toMatchObject({ cancelReleased: 1, cancelCharged: 0, rescheduled: 0 });
    expect(released).toEqual([
      { videoId: VIDEO_ID, outcome: { status: 'cancelled', now: NOW, settlesHeldCancel: 'no_job' } },
    ]);
    expect(chargedCancels).toEqual([]);
    expect(slotCalls).toEqual([`release ${VIDEO_ID}`]);
    expect(queue.items).toMatchObject([{ kind: 'cancel_settlement', providerVideoId: null, checks: 1 }]);
    expect(queue.items[0]!.dueAt).toBeGreaterThan(NOW);
  });

  it('returns rescheduled, within the search window, while a provider that does not list jobs has named none', async () => {
    // Prepare
    const { queue, provider, released, deps } = jobless([settlement()], []);
    provider.list = () => {
      throw new PermanentProviderError('Provider list answered 404');
    };

    // Act
    const summary = await run(deps);

    // Assess
    expect(summary).toMatchObject({ rescheduled: 1, cancelReleased: 0 });
    expect(released).toEqual([]);
    expect(queue.items).toMatchObject([{ kind: 'cancel_settlement', providerVideoId: null, checks: 1 }]);
    expect(queue.items[0]!.dueAt).toBeGreaterThan(NOW);
  });

  it('returns cancelReleased at 0 when a provider that does not list jobs named none by the end of the search window, and keeps looking', async () => {
    // Prepare
    const late = settlement({ givenUpAt: NOW - ORPHAN_SEARCH_WINDOW_SECONDS, dueAt: NOW - 1 });
    const { queue, provider, released, chargedCancels, slotCalls, deps } = jobless([late], []);
    provider.list = () => {
      throw new PermanentProviderError('Provider list answered 404');
    };

    // Act
    const summary = await run(deps);

    // Assess
    expect(summary).toMatchObject({ cancelReleased: 1, cancelCharged: 0 });
    expect(released).toEqual([
      { videoId: VIDEO_ID, outcome: { status: 'cancelled', now: NOW, settlesHeldCancel: 'no_job' } },
    ]);
    expect(chargedCancels).toEqual([]);
    expect(slotCalls).toEqual([`release ${VIDEO_ID}`]);
    expect(queue.items).toMatchObject([{ kind: 'cancel_settlement', providerVideoId: null }]);
  });

  it('records a job found after the release at 0 as a provider cost, never charged to the user', async () => {
    // Prepare: released at the end of the search window, then the provider lists the job, completed.
    const late = settlement({ givenUpAt: NOW - ORPHAN_SEARCH_WINDOW_SECONDS, dueAt: NOW - 1 });
    const { queue, provider, chargedCancels, recorded, videos, deps } = jobless([late], []);
    await run(deps);
    provider.jobs = [theJob('completed')];
    deps.clock = () => new Date((queue.items[0]!.dueAt + 1) * 1000);

    // Act
    const summary = await run(deps);

    // Assess
    expect(summary).toMatchObject({ cancelCharged: 1, recorded: 1 });
    expect(chargedCancels).toEqual([]);
    expect([...recorded]).toEqual([VIDEO_ID]);
    expect(videos.videos.get(VIDEO_ID)?.chargedMicros).toBe(0);
    expect(queue.items).toEqual([]);
  });

  it('returns cancelReleased at once, listing nothing, when every create attempt was resolved without a job', async () => {
    // Prepare: the create the cancel raced was refused by the provider.
    const refused = { ...inFlight, providerCreateResolvedAttempts: 1 };
    const { queue, provider, released, deps } = jobless([settlement()], [theJob('completed')], refused);
    provider.list = () => {
      throw new Error('must not list');
    };

    // Act
    const summary = await run(deps);

    // Assess
    expect(summary).toMatchObject({ cancelReleased: 1 });
    expect(released.map((entry) => entry.outcome)).toMatchObject([{ settlesHeldCancel: 'no_job' }]);
    expect(queue.items).toEqual([]);
  });
});

describe('reconcile-work-items: provider copies of deleted videos', () => {
  const VIDEO_ID = 'vid_01JD0000000000000000000001';
  const deleteItem = () => anItem({ kind: 'provider_delete', reason: 'deleted' });

  it('frees the slot of the deleted video’s job once its provider copy is deleted or gone, not while it runs', async () => {
    const records = [aVideo({ videoId: VIDEO_ID, status: 'failed', chargedMicros: 0, providerVideoId: 'video_1' })];
    const ended = setup([deleteItem()], [aProviderJob({ id: 'video_1', status: 'failed' })], records);
    const running = setup([deleteItem()], [aProviderJob({ id: 'video_1', status: 'in_progress' })], records);

    await run(ended.deps);
    await run(running.deps);

    expect(ended.slotCalls).toEqual([`release ${VIDEO_ID}`]);
    expect(running.slotCalls).toEqual([]);
  });

  it('deletes the copy of a completed, charged video without recording a provider cost', async () => {
    const { queue, provider, recorded, deps } = setup(
      [deleteItem()],
      [aProviderJob({ id: 'video_1', status: 'completed' })],
      [aVideo({ videoId: VIDEO_ID, status: 'completed', chargedMicros: 400_000, providerVideoId: 'video_1' })],
    );

    const summary = await run(deps);

    expect(summary).toMatchObject({ providerCopyDeleted: 1, recorded: 0 });
    expect(provider.deleted).toEqual(['video_1']);
    expect([...recorded]).toEqual([]);
    expect(queue.items).toEqual([]);
  });

  it('records the provider cost of a completed job the user was not charged for before deleting its copy', async () => {
    const { provider, recorded, deps } = setup(
      [deleteItem()],
      [aProviderJob({ id: 'video_1', status: 'completed' })],
      [aVideo({ videoId: VIDEO_ID, status: 'failed', chargedMicros: 0, providerVideoId: 'video_1' })],
    );

    const summary = await run(deps);

    expect(summary).toMatchObject({ providerCopyDeleted: 1, recorded: 1 });
    expect([...recorded]).toEqual([VIDEO_ID]);
    expect(provider.deleted).toEqual(['video_1']);
  });

  it('waits, deleting nothing, while the video is a held cancel not settled yet or its job still runs', async () => {
    const held = setup(
      [deleteItem()],
      [aProviderJob({ id: 'video_1', status: 'completed' })],
      [aVideo({ videoId: VIDEO_ID, status: 'cancelled', chargedMicros: null, providerVideoId: 'video_1' })],
    );
    const running = setup(
      [deleteItem()],
      [aProviderJob({ id: 'video_1', status: 'in_progress' })],
      [aVideo({ videoId: VIDEO_ID, status: 'cancelled', chargedMicros: 0, providerVideoId: 'video_1' })],
    );

    const heldSummary = await run(held.deps);
    const runningSummary = await run(running.deps);

    for (const [summary, { provider, queue }] of [
      [heldSummary, held],
      [runningSummary, running],
    ] as const) {
      expect(summary).toMatchObject({ providerCopyWaiting: 1, providerCopyDeleted: 0 });
      expect(provider.deleted).toEqual([]);
      expect(queue.items).toMatchObject([{ kind: 'provider_delete', checks: 1 }]);
      expect(queue.items[0]!.dueAt).toBeGreaterThan(NOW);
    }
  });

  it('leaves the item for a later run when the provider is down', async () => {
    const { queue, provider, deps } = setup(
      [deleteItem()],
      [aProviderJob({ id: 'video_1', status: 'completed' })],
      [aVideo({ videoId: VIDEO_ID, status: 'completed', chargedMicros: 400_000, providerVideoId: 'video_1' })],
    );
    provider.deleteResults = [new RetryableProviderError('provider unavailable')];

    const summary = await run(deps);

    expect(summary).toMatchObject({ deferred: 1, providerCopyDeleted: 0 });
    expect(queue.items).toHaveLength(1);
  });
});

describe('reconcile-work-items: a provider without list, cancel or delete (its capabilities)', () => {
  const VIDEO_ID = 'vid_01JD0000000000000000000001';
  /** The context's provider replaced by one with `capabilities` and the same jobs (one lacking an operation throws). */
  const lacking = (context: ReturnType<typeof setup>, capabilities: ConstructorParameters<typeof FakeProvider>[0]) => {
    const provider = new FakeProvider(capabilities);
    provider.jobs = context.provider.jobs;
    context.deps.provider = provider;
    return { ...context, provider };
  };

  it('skips the orphan search, claiming nothing, and says noJob once the search window is over', async () => {
    // Prepare: a matching job is there, which a provider that lists would have found.
    const video = aVideo({
      videoId: 'vid_orphan',
      status: 'cancelled',
      providerCreateAttempts: 1,
      providerFirstAttemptAt: NOW - 300,
    });
    const early = anItem({ kind: 'orphan_search', videoId: 'vid_orphan', providerVideoId: null });
    const late = anItem({
      ...early,
      videoId: 'vid_late',
      givenUpAt: NOW - ORPHAN_SEARCH_WINDOW_SECONDS,
      dueAt: NOW - 5,
    });
    const jobs = [
      aProviderJob({ id: 'video_orphan', prompt: video.prompt, status: 'completed', createdAt: NOW - 290 }),
    ];
    const { queue, videos, provider, recorded, deps } = lacking(
      setup([early, late], jobs, [video, aVideo({ ...video, videoId: 'vid_late' })]),
      { list: false },
    );

    // Act
    const summary = await run(deps);

    // Assess
    expect(summary).toMatchObject({ rescheduled: 1, noJob: 1, completed: 0, errored: 0 });
    expect(provider.listed).toEqual([]);
    expect(videos.claims.size).toBe(0);
    expect([...recorded]).toEqual([]);
    expect(queue.items).toEqual([{ ...early, dueAt: NOW + 600, checks: 1 }]);
  });

  it('waits for a held cancel’s job to be named, within the search window, without listing', async () => {
    // Prepare
    const inFlight = aVideo({
      videoId: VIDEO_ID,
      status: 'cancelled',
      providerVideoId: null,
      providerCreateAttempts: 1,
      providerFirstAttemptAt: NOW - 300,
    });
    const item = anItem({ kind: 'cancel_settlement', providerVideoId: null, givenUpAt: NOW - 180, dueAt: NOW - 60 });
    const context = setup(
      [item],
      [aProviderJob({ id: 'video_late', prompt: inFlight.prompt, createdAt: NOW - 290 })],
      [inFlight],
    );
    context.heldCancels.add(VIDEO_ID);
    const { queue, provider, released, deps } = lacking(context, { list: false });

    // Act
    const summary = await run(deps);

    // Assess
    expect(summary).toMatchObject({ rescheduled: 1, cancelReleased: 0, errored: 0 });
    expect(provider.listed).toEqual([]);
    expect(released).toEqual([]);
    expect(queue.items).toMatchObject([{ kind: 'cancel_settlement', providerVideoId: null, checks: 1 }]);
  });

  /** A held cancel whose job still runs at the provider. */
  const heldRunning = (capabilities: ConstructorParameters<typeof FakeProvider>[0]) => {
    const context = setup(
      [anItem({ kind: 'cancel_settlement', givenUpAt: NOW - 60, dueAt: NOW - 60 })],
      [aProviderJob({ id: 'video_1', status: 'in_progress' })],
      [aVideo({ videoId: VIDEO_ID, status: 'cancelled', providerVideoId: 'video_1', estimatedMicros: 400_000 })],
    );
    context.heldCancels.add(VIDEO_ID);
    return lacking(context, capabilities);
  };

  it('follows a held cancel’s running job without a stop request when the provider can neither cancel nor delete', async () => {
    const { queue, provider, released, slotCalls, deps } = heldRunning({ cancel: false, delete: false });

    const summary = await run(deps);

    expect(summary).toMatchObject({ rescheduled: 1, cancelReleased: 0, errored: 0 });
    expect(provider.deleted).toEqual([]);
    expect(provider.cancelled).toEqual([]);
    expect(released).toEqual([]);
    expect(slotCalls).toEqual([`renew ${VIDEO_ID}`]);
    expect(queue.items).toMatchObject([{ kind: 'cancel_settlement', checks: 1 }]);
  });

  it('asks a provider that cancels to cancel the running job, not to delete it, and follows the job', async () => {
    const { queue, provider, released, deps } = heldRunning({ cancel: true, delete: true });

    const summary = await run(deps);

    expect(summary).toMatchObject({ rescheduled: 1, cancelReleased: 0 });
    expect(provider.cancelled).toEqual(['video_1']);
    expect(provider.deleted).toEqual([]);
    expect(released).toEqual([]);
    expect(queue.items).toMatchObject([{ kind: 'cancel_settlement', checks: 1 }]);
  });

  it('records the cost of a deleted video’s completed job but asks no delete when the provider cannot delete', async () => {
    const { queue, provider, recorded, slotCalls, deps } = lacking(
      setup(
        [anItem({ kind: 'provider_delete', reason: 'deleted' })],
        [aProviderJob({ id: 'video_1', status: 'completed' })],
        [aVideo({ videoId: VIDEO_ID, status: 'failed', chargedMicros: 0, providerVideoId: 'video_1' })],
      ),
      { delete: false },
    );

    const summary = await run(deps);

    expect(summary).toMatchObject({ abandoned: 1, recorded: 1, providerCopyDeleted: 0, errored: 0 });
    expect([...recorded]).toEqual([VIDEO_ID]);
    expect(provider.deleted).toEqual([]);
    expect(slotCalls).toEqual([`release ${VIDEO_ID}`]);
    expect(queue.items).toEqual([]);
  });
});

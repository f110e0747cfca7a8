import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { reconcileWorkItems } from '../../../functions/reconcile-work-items/reconcile-work-items';
import { DynamoBilling } from '../../../shared/money/billing';
import { DynamoLimitsStore } from '../../../shared/money/limits';
import {
  DynamoReconcileQueue,
  deadlineWatchItem,
  ORPHAN_SEARCH_DELAY_SECONDS,
  reconcileItem,
  reconcileWorkItemFor,
} from '../../../shared/money/reconciliation';
import { deadlineWatchAt } from '../../../shared/pipeline/duration';
import {
  activeKey,
  providerCostKey,
  RECONCILE_PARTITION,
  reconcileKey,
  usageKey,
  videoKey,
} from '../../../shared/table-keys';
import { DynamoVideoRepository } from '../../../shared/video/repository';
import type { LocalTable } from '../../helpers/dynamodb-local';
import { aProviderJob, aVideo, FakeProvider, fakeLogger, fakeMetrics, fakeSlots } from '../fakes/fakes';
import { DEFAULTS, NOW, NOW_S } from './money-fixtures';
import { freshTableEachTest, readItem, setVideoStatus } from './money-table';

/* The work items written by a release and read by the reconciler, against AWS's DynamoDB Local. */

let local: LocalTable;
let table: string;
let billing: DynamoBilling;
let queue: DynamoReconcileQueue;
let counter = 0;

const nextId = () => `vid_${String(++counter).padStart(26, '0')}`;
const get = (key: { pk: string; sk: string }) => readItem(local, table, key);
/** The RECONCILE items; `deadline` watches (one per reserved video) only when asked for. */
const workItems = async (kind: 'provider' | 'deadline' = 'provider') =>
  (
    await local.documents.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: kind === 'deadline' ? 'kind = :deadline' : 'attribute_not_exists(kind) OR kind <> :deadline',
        ExpressionAttributeValues: { ':pk': RECONCILE_PARTITION, ':deadline': 'deadline' },
        ConsistentRead: true,
      }),
    )
  ).Items ?? [];
const STORED = {
  contentType: 'video/mp4' as const,
  bytes: 1,
  sha256: 'a'.repeat(64),
  variants: ['video' as const],
  bucket: 'b',
  key: 'k',
};
const setStatus = (videoId: string, status: string) => setVideoStatus(local, table, videoId, status);

freshTableEachTest((localTable, newTable) => {
  local = localTable;
  table = newTable;
  billing = new DynamoBilling(local.documents, table, new DynamoLimitsStore(local.documents, table, DEFAULTS));
  queue = new DynamoReconcileQueue(local.documents, table);
});

describe('reconciler work items', () => {
  it('returns one due work item when a video with a provider job is cancelled, released twice', async () => {
    const video = aVideo({ createdAt: NOW_S, videoId: nextId(), status: 'in_progress', providerVideoId: 'video_p1' });
    await billing.reserve(video, NOW);

    await billing.release(video.videoId, { status: 'cancelled', now: NOW_S });
    await billing.release(video.videoId, { status: 'cancelled', now: NOW_S + 5 });

    expect(await workItems()).toEqual([
      {
        ...reconcileKey(NOW_S, video.videoId),
        entity: 'reconcile',
        kind: 'provider_job',
        videoId: video.videoId,
        userId: 'alice',
        providerVideoId: 'video_p1',
        reason: 'cancelled',
        givenUpAt: NOW_S,
        dueAt: NOW_S,
        checks: 0,
        // DynamoDB's TTL removes it if nobody does, a month after it fell due.
        purgeAt: NOW_S + 30 * 24 * 3600,
      },
    ]);
    expect(await queue.due(NOW_S - 1, 10)).toEqual([]);
    expect(await queue.due(NOW_S, 10)).toMatchObject([{ videoId: video.videoId, providerVideoId: 'video_p1' }]);
  });

  it('returns a work item for timed_out and provider_failed, none for a provider-ended failure or no job', async () => {
    const timedOut = aVideo({ createdAt: NOW_S, videoId: nextId(), providerVideoId: 'video_t' });
    const unreachable = aVideo({ createdAt: NOW_S, videoId: nextId(), providerVideoId: 'video_u' });
    const moderated = aVideo({ createdAt: NOW_S, videoId: nextId(), providerVideoId: 'video_m' });
    const noJob = aVideo({ createdAt: NOW_S, videoId: nextId() });
    for (const video of [timedOut, unreachable, moderated, noJob]) await billing.reserve(video, NOW);

    await billing.release(timedOut.videoId, {
      status: 'failed',
      error: { code: 'timed_out', message: 'x' },
      now: NOW_S,
    });
    await billing.release(unreachable.videoId, {
      status: 'failed',
      error: { code: 'provider_failed', message: 'x' },
      now: NOW_S,
    });
    await billing.release(moderated.videoId, {
      status: 'failed',
      error: { code: 'moderation_blocked', message: 'x' },
      now: NOW_S,
    });
    await billing.release(noJob.videoId, { status: 'cancelled', now: NOW_S });

    const items = await workItems();
    expect(items.map((item) => [item.videoId, item.reason]).sort()).toEqual(
      [
        [timedOut.videoId, 'timed_out'],
        [unreachable.videoId, 'provider_failed'],
      ].sort(),
    );
  });

  it('returns no work item when the video was given up on while storing (its cost is recorded at once)', async () => {
    const video = aVideo({ createdAt: NOW_S, videoId: nextId(), providerVideoId: 'video_s' });
    await billing.reserve(video, NOW);
    await setStatus(video.videoId, 'storing');

    const result = await billing.release(video.videoId, { status: 'cancelled', now: NOW_S });

    expect(result).toMatchObject({ applied: true, providerCostRecorded: true });
    expect(await workItems()).toEqual([]);
  });

  it('returns false when an item is rescheduled twice from the same read, and moves it once', async () => {
    const video = aVideo({ createdAt: NOW_S, videoId: nextId(), status: 'in_progress', providerVideoId: 'video_r' });
    await billing.reserve(video, NOW);
    await billing.release(video.videoId, { status: 'cancelled', now: NOW_S });
    const [item] = await queue.due(NOW_S, 10);

    const first = await queue.reschedule(item!, NOW_S + 30);
    const second = await queue.reschedule(item!, NOW_S + 60);

    expect({ first, second }).toEqual({ first: true, second: false });
    expect(await workItems()).toMatchObject([{ ...reconcileKey(NOW_S + 30, video.videoId), checks: 1 }]);
    expect(await queue.due(NOW_S + 29, 10)).toEqual([]);
  });

  it('returns the due items earliest first, at most limit', async () => {
    const ids = [nextId(), nextId(), nextId()];
    for (const [index, videoId] of ids.entries()) {
      const video = aVideo({ createdAt: NOW_S, videoId, status: 'in_progress', providerVideoId: `video_${index}` });
      await billing.reserve(video, NOW);
      await billing.release(videoId, { status: 'cancelled', now: NOW_S + 10 - index });
    }

    const due = await queue.due(NOW_S + 100, 2);

    expect(due.map((item) => item.videoId)).toEqual([ids[2], ids[1]]);
  });

  it('records one provider cost, charges 0 and removes the item when the reconciler finds the job completed', async () => {
    const video = aVideo({ createdAt: NOW_S, videoId: nextId(), status: 'in_progress', providerVideoId: 'video_done' });
    await billing.reserve(video, NOW);
    await billing.release(video.videoId, { status: 'cancelled', now: NOW_S });
    const provider = new FakeProvider();
    provider.jobs = [aProviderJob({ id: 'video_done', status: 'completed' })];
    const deps = {
      queue,
      provider,
      slots: fakeSlots(),
      costs: billing,
      videos: new DynamoVideoRepository(local.documents, table),
      clock: () => new Date((NOW_S + 60) * 1000),
      logger: fakeLogger(),
      metrics: fakeMetrics(),
      options: { lookbackSeconds: 48 * 3600, maxItems: 10, slotLeaseSeconds: 900 },
    };

    const first = await reconcileWorkItems({ stopStartingAt: Infinity }, deps);
    // A late completion of the same job (RecordCompletion after the cancel) finds the cost recorded already.
    const late = await billing.charge(video.videoId, {
      content: {
        contentType: 'video/mp4',
        bytes: 1,
        sha256: 'a'.repeat(64),
        variants: ['video'],
        bucket: 'b',
        key: 'k',
      },
      completedAt: NOW_S + 70,
    });

    expect(first).toMatchObject({ completed: 1, recorded: 1 });
    expect(late).toMatchObject({ applied: false, providerCostRecorded: false, video: { status: 'cancelled' } });
    expect(await workItems()).toEqual([]);
    expect(await get(providerCostKey('alice', '2026-11', video.videoId))).toMatchObject({
      providerCostMicros: 400_000,
      chargedToUserMicros: 0,
      providerVideoId: 'video_done',
      videoStatus: 'cancelled',
    });
    const usage = await get(usageKey('alice', '2026-11'));
    expect(usage).toMatchObject({ providerCostMicros: 400_000, reservedMicros: 0 });
    expect(usage?.chargedMicros ?? 0).toBe(0);
    expect(await get(videoKey(video.videoId))).toMatchObject({ status: 'cancelled', chargedMicros: 0 });
  });

  it('writes a deadline watch at reserve; when due it releases the unsettled video as timed_out, once', async () => {
    const video = aVideo({ createdAt: NOW_S, videoId: nextId(), status: 'in_progress', providerVideoId: 'video_dl' });
    await billing.reserve(video, NOW);
    const deadline = deadlineWatchAt(NOW_S);
    const provider = new FakeProvider();
    provider.jobs = [aProviderJob({ id: 'video_dl', status: 'in_progress' })];
    const deps = {
      queue,
      provider,
      slots: fakeSlots(),
      costs: billing,
      videos: new DynamoVideoRepository(local.documents, table),
      clock: () => new Date(deadline * 1000),
      logger: fakeLogger(),
      metrics: fakeMetrics(),
      options: { lookbackSeconds: 48 * 3600, maxItems: 10, slotLeaseSeconds: 900 },
    };
    const watches = await workItems('deadline');
    const early = await reconcileWorkItems(
      { stopStartingAt: Infinity },
      { ...deps, clock: () => new Date((deadline - 1) * 1000) },
    );

    const due = await reconcileWorkItems({ stopStartingAt: Infinity }, deps);
    const again = await reconcileWorkItems({ stopStartingAt: Infinity }, deps);

    expect(watches).toMatchObject([
      { pk: 'RECONCILE', sk: `${reconcileKey(deadline, video.videoId).sk}#deadline`, kind: 'deadline' },
    ]);
    expect(deadline - NOW_S).toBeGreaterThan(24 * 3600);
    expect(early).toMatchObject({ deadlineReleased: 0, deadlineCleared: 0 });
    expect(due).toMatchObject({ deadlineReleased: 1 });
    expect(again).toMatchObject({ deadlineReleased: 0, deadlineCleared: 0 });
    expect(await get(videoKey(video.videoId))).toMatchObject({
      status: 'failed',
      error: { code: 'timed_out' },
      chargedMicros: 0,
      settlement: 'released',
    });
    expect(await get(usageKey('alice', '2026-11'))).toMatchObject({ reservedMicros: 0, committedMicros: 0 });
    expect(await get(activeKey('alice'))).toMatchObject({ activeCount: 0 });
    expect(await workItems('deadline')).toEqual([]);
    // The provider job is followed for finance like any job given up on (the third run rescheduled it).
    expect(await workItems()).toMatchObject([
      { videoId: video.videoId, providerVideoId: 'video_dl', reason: 'timed_out' },
    ]);
  });

  it('removes the deadline watch in the settling transaction when a video is charged or released', async () => {
    const charged = aVideo({ createdAt: NOW_S, videoId: nextId(), status: 'in_progress', providerVideoId: 'video_c' });
    const released = aVideo({ createdAt: NOW_S, videoId: nextId(), status: 'in_progress', providerVideoId: 'video_r' });
    await billing.reserve(charged, NOW);
    await billing.reserve(released, NOW);
    const reserved = await workItems('deadline');

    await billing.charge(charged.videoId, { content: STORED, completedAt: NOW_S + 60 });
    await billing.release(released.videoId, {
      status: 'failed',
      error: { code: 'provider_failed', message: 'x' },
      now: NOW_S + 60,
    });

    expect(reserved).toHaveLength(2);
    expect(await workItems('deadline')).toEqual([]);
  });

  it('removes a deadline watch left behind without touching the video when the video was settled', async () => {
    const video = aVideo({ createdAt: NOW_S, videoId: nextId(), status: 'in_progress', providerVideoId: 'video_ok' });
    await billing.reserve(video, NOW);
    await billing.charge(video.videoId, { content: STORED, completedAt: NOW_S + 60 });
    // A watch the settling transaction could not find (moved by a reconciler run, or written with another
    // pipeline duration) stays behind; put one back as such a watch would be.
    await local.documents.send(
      new PutCommand({ TableName: table, Item: reconcileItem(deadlineWatchItem(video, deadlineWatchAt(NOW_S))) }),
    );
    const before = await get(videoKey(video.videoId));

    const summary = await reconcileWorkItems(
      { stopStartingAt: Infinity },
      {
        queue,
        provider: new FakeProvider(),
        slots: fakeSlots(),
        costs: billing,
        videos: new DynamoVideoRepository(local.documents, table),
        clock: () => new Date(deadlineWatchAt(NOW_S) * 1000),
        logger: fakeLogger(),
        metrics: fakeMetrics(),
        options: { lookbackSeconds: 48 * 3600, maxItems: 10, slotLeaseSeconds: 900 },
      },
    );

    expect(summary).toMatchObject({ deadlineCleared: 1, deadlineReleased: 0 });
    expect(await get(videoKey(video.videoId))).toEqual(before);
    expect(await workItems('deadline')).toEqual([]);
  });

  it('writes an orphan search when a video with a create attempt but no saved job is cancelled', async () => {
    const video = aVideo({ createdAt: NOW_S, videoId: nextId(), status: 'queued', providerCreateAttempts: 1 });
    await billing.reserve(video, NOW);

    await billing.release(video.videoId, { status: 'cancelled', now: NOW_S });

    expect(await workItems()).toMatchObject([
      {
        sk: `${reconcileKey(NOW_S + ORPHAN_SEARCH_DELAY_SECONDS, video.videoId).sk}#orphan_search`,
        kind: 'orphan_search',
        providerVideoId: null,
        reason: 'cancelled',
        givenUpAt: NOW_S,
      },
    ]);
    expect(await queue.due(NOW_S + ORPHAN_SEARCH_DELAY_SECONDS, 10)).toMatchObject([
      { kind: 'orphan_search', videoId: video.videoId, providerVideoId: null },
    ]);
  });

  it('returns undefined from reconcileWorkItemFor for a completed video', () => {
    expect(
      reconcileWorkItemFor(aVideo({ status: 'completed', providerVideoId: 'video_x', chargedMicros: 1 }), NOW_S),
    ).toBeUndefined();
  });

  it.each(['provider_unavailable', 'provider_rate_limited'])(
    'returns an orphan search from reconcileWorkItemFor for a video failed as %s after a create attempt',
    (code) => {
      const video = aVideo({
        status: 'failed',
        providerCreateAttempts: 3,
        error: { code, message: 'gave up' },
      });

      expect(reconcileWorkItemFor(video, NOW_S)).toMatchObject({
        kind: 'orphan_search',
        reason: code,
        dueAt: NOW_S + ORPHAN_SEARCH_DELAY_SECONDS,
      });
    },
  );
});

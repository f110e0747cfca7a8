import { DeleteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { BudgetExceededError, QuotaExceededError } from '../../../shared/errors';
import { DynamoBilling } from '../../../shared/money/billing';
import { DynamoCharger } from '../../../shared/money/charge';
import { ACTIVE_RETRY_AFTER_SECONDS } from '../../../shared/money/decisions';
import { DynamoLimitsStore } from '../../../shared/money/limits';
import { DynamoProviderCosts } from '../../../shared/money/provider-cost';
import { ORPHAN_SEARCH_DELAY_SECONDS } from '../../../shared/money/reconciliation';
import { DynamoReleaser } from '../../../shared/money/release';
import { DynamoReservations } from '../../../shared/money/reserve';
import { DynamoWorkMeter } from '../../../shared/pipeline/work-meter';
import {
  activeKey,
  dayKey,
  idempotencyGuardKey,
  ledgerKey,
  providerCostKey,
  RECONCILE_PARTITION,
  usageKey,
  videoKey,
  WEBHOOK_OUTBOX_PARTITION,
  webhookOutboxKey,
  workItemKey,
} from '../../../shared/table-keys';
import type { VideoStatus } from '../../../shared/video/schemas';
import type { VideoContent } from '../../../shared/video/video';
import { webhookEventId } from '../../../shared/webhooks/events';
import type { LocalTable } from '../../helpers/dynamodb-local';
import { aVideo } from '../fakes/fakes';
import { DEFAULTS, NOW, NOW_S, CONTENT as VIDEO_ONLY } from './money-fixtures';
import { freshTableEachTest, readItem, setVideoStatus } from './money-table';

/*
 * The money moves (reserve.ts, charge.ts, release.ts, provider-cost.ts) against AWS's DynamoDB Local: transactions,
 * conditions and cancellation reasons are real. One file, so one DynamoDB Local serves them all.
 */

/** All three variants stored: the AWS cost a charge carries counts each one. */
const CONTENT: VideoContent = { ...VIDEO_ONLY, variants: ['video', 'thumbnail', 'spritesheet'] };
const CHANGE = { actorUserId: 'fin', requestId: 'req-1', at: NOW };

let local: LocalTable;
let table: string;
let limits: DynamoLimitsStore;
let reservations: DynamoReservations;
let charger: DynamoCharger;
let releaser: DynamoReleaser;
let videoCounter = 0;

const get = (key: { pk: string; sk: string }) => readItem(local, table, key);
const setStatus = (videoId: string, status: VideoStatus) => setVideoStatus(local, table, videoId, status);
const nextId = () => `vid_${String(++videoCounter).padStart(26, '0')}`;

freshTableEachTest((localTable, newTable) => {
  local = localTable;
  table = newTable;
  limits = new DynamoLimitsStore(local.documents, table, DEFAULTS);
  reservations = new DynamoReservations(local.documents, table, limits);
  charger = new DynamoCharger(local.documents, table);
  releaser = new DynamoReleaser(local.documents, table);
});

describe('reserve', () => {
  it('returns after writing the video, its reservation, the active and the daily count when within limits', async () => {
    const video = aVideo({ videoId: nextId() });

    await reservations.reserve(video, NOW);

    expect(await get(videoKey(video.videoId))).toMatchObject({
      status: 'queued',
      usageMonth: '2026-11',
      reservedMicros: 400_000,
      unitPriceMicros: 100_000,
    });
    expect(await get(usageKey('alice', '2026-11'))).toMatchObject({
      reservedMicros: 400_000,
      committedMicros: 400_000,
      gsi2pk: 'USAGE#2026-11',
      gsi2sk: 'USER#alice',
    });
    expect(await get(activeKey('alice'))).toMatchObject({ activeCount: 1 });
    expect(await get(dayKey('alice', '2026-11-21'))).toMatchObject({ createdCount: 1 });
  });

  it('returns after writing a TTL (purgeAt) on the day count, the key claim and the deadline watch, and on nothing that stays', async () => {
    const video = aVideo({ videoId: nextId() });

    await reservations.reserve(video, NOW, { key: 'key-ttl', requestHash: 'hash' });

    // The day count goes at the end of the next UTC day; the claim when it stops counting (24 h).
    expect((await get(dayKey('alice', '2026-11-21')))?.purgeAt).toBe(Date.parse('2026-11-23T00:00:00Z') / 1000);
    expect(await get(idempotencyGuardKey('alice', 'key-ttl'))).toMatchObject({
      expiresAt: NOW_S + 24 * 3600,
      purgeAt: NOW_S + 24 * 3600,
    });
    const { Items: work = [] } = await local.documents.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: 'videoId = :videoId',
        ExpressionAttributeValues: { ':pk': 'RECONCILE', ':videoId': video.videoId },
        ConsistentRead: true,
      }),
    );
    expect(work).toHaveLength(1);
    expect(work[0]?.purgeAt).toBe(Number(work[0]?.dueAt) + 30 * 24 * 3600);
    for (const key of [videoKey(video.videoId), usageKey('alice', '2026-11'), activeKey('alice')]) {
      expect(await get(key), key.sk).not.toHaveProperty('purgeAt');
    }
  });

  it('throws BudgetExceededError and writes nothing when charged + reserved + estimate exceeds the budget', async () => {
    await limits.update('alice', { budgetMicros: 1_000_000 }, CHANGE);
    await reservations.reserve(aVideo({ videoId: nextId(), estimatedMicros: 800_000, seconds: '8' }), NOW);
    const rejected = aVideo({ videoId: nextId() });

    await expect(reservations.reserve(rejected, NOW)).rejects.toBeInstanceOf(BudgetExceededError);

    expect(await get(videoKey(rejected.videoId))).toBeUndefined();
    expect(await get(usageKey('alice', '2026-11'))).toMatchObject({ reservedMicros: 800_000 });
    expect(await get(activeKey('alice'))).toMatchObject({ activeCount: 1 });
    expect(await get(dayKey('alice', '2026-11-21'))).toMatchObject({ createdCount: 1 });
  });

  it('throws QuotaExceededError with a constant Retry-After when max_active videos are not terminal', async () => {
    await limits.update('alice', { maxActive: 1 }, CHANGE);
    await reservations.reserve(aVideo({ videoId: nextId() }), NOW);

    const error = await reservations.reserve(aVideo({ videoId: nextId() }), NOW).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(QuotaExceededError);
    expect(error).toMatchObject({ status: 429, code: 'quota_exceeded', retryAfterSeconds: ACTIVE_RETRY_AFTER_SECONDS });
    expect(await get(usageKey('alice', '2026-11'))).toMatchObject({ reservedMicros: 400_000 });
  });

  it('throws QuotaExceededError with Retry-After until UTC midnight when max_per_day is reached', async () => {
    await limits.update('alice', { maxPerDay: 1 }, CHANGE);
    const first = aVideo({ videoId: nextId() });
    await reservations.reserve(first, NOW);
    await releaser.release(first.videoId, { status: 'cancelled', now: NOW_S });

    const error = await reservations.reserve(aVideo({ videoId: nextId() }), NOW).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ status: 429, code: 'quota_exceeded', retryAfterSeconds: 12 * 3600 });
  });

  it('answers 402 without a write when the estimate alone exceeds the budget, and 429 when a limit is 0', async () => {
    await limits.update('alice', { budgetMicros: 100 }, CHANGE);
    await expect(reservations.reserve(aVideo({ videoId: nextId() }), NOW)).rejects.toBeInstanceOf(BudgetExceededError);
    await limits.update('bob', { maxActive: 0 }, CHANGE);
    await expect(reservations.reserve(aVideo({ videoId: nextId(), userId: 'bob' }), NOW)).rejects.toMatchObject({
      code: 'quota_exceeded',
    });

    expect(await get(usageKey('alice', '2026-11'))).toBeUndefined();
    expect(await get(activeKey('bob'))).toBeUndefined();
  });

  it('accepts exactly as many concurrent reserves as the budget covers', async () => {
    await limits.update('carol', { budgetMicros: 2_000_000 }, CHANGE);
    const videos = Array.from({ length: 20 }, () => aVideo({ videoId: nextId(), userId: 'carol' }));

    const results = await Promise.allSettled(videos.map((video) => reservations.reserve(video, NOW)));

    const accepted = results.filter((result) => result.status === 'fulfilled').length;
    const rejected = results.filter(
      (result) => result.status === 'rejected' && result.reason instanceof BudgetExceededError,
    ).length;
    expect({ accepted, rejected }).toEqual({ accepted: 5, rejected: 15 });
    expect(await get(usageKey('carol', '2026-11'))).toMatchObject({ reservedMicros: 2_000_000 });
    const { Items } = await local.documents.send(
      new QueryCommand({
        TableName: table,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :user',
        ExpressionAttributeValues: { ':user': 'USER#carol' },
      }),
    );
    expect(Items).toHaveLength(5);
  });
});

describe('precheck', () => {
  it.each([
    ['the budget covers one video', { budgetMicros: 400_000 }],
    ['max_active is 1', { maxActive: 1 }],
    ['max_per_day is 1', { maxPerDay: 1 }],
  ])(
    'throws the error reserve throws, writing nothing, when one video is reserved and %s',
    async (_name, overrides) => {
      // Prepare
      await limits.update('alice', overrides, CHANGE);
      await expect(reservations.precheck(aVideo(), NOW)).resolves.toBeUndefined();
      await reservations.reserve(aVideo({ videoId: nextId() }), NOW);
      const reserveError = await reservations.reserve(aVideo({ videoId: nextId() }), NOW).catch((caught) => caught);
      const usage = await get(usageKey('alice', '2026-11'));

      // Act
      const error = await reservations.precheck(aVideo({ videoId: nextId() }), NOW).catch((caught: unknown) => caught);

      // Assess
      expect(reserveError).toMatchObject({ status: expect.any(Number) });
      expect(error).toEqual(reserveError);
      expect(await get(usageKey('alice', '2026-11'))).toEqual(usage);
    },
  );
});

describe('charge', () => {
  it('returns applied once and writes one ledger entry when a completion is charged twice', async () => {
    const video = aVideo({ videoId: nextId(), seconds: '8', estimatedMicros: 800_000 });
    await reservations.reserve(video, NOW);
    // Three task invocations of 1 s at 512 MB, one of them a poll: 7 transitions, 1.5 GB-s, 3 requests; 3 PUTs.
    const meter = new DynamoWorkMeter(local.documents, table);
    await meter.record(video.videoId, { poll: false, durationMs: 1000, memoryMb: 512 });
    await meter.record(video.videoId, { poll: true, durationMs: 1000, memoryMb: 512 });
    await meter.record(video.videoId, { poll: false, durationMs: 1000, memoryMb: 512 });

    const first = await charger.charge(video.videoId, { content: CONTENT, completedAt: NOW_S });
    const second = await charger.charge(video.videoId, { content: CONTENT, completedAt: NOW_S + 5 });

    expect(first.applied).toBe(true);
    expect(first.video).toMatchObject({ status: 'completed', chargedMicros: 800_000 });
    expect(second).toMatchObject({ applied: false, video: { status: 'completed', chargedMicros: 800_000 } });
    expect(await get(ledgerKey('alice', '2026-11', video.videoId))).toMatchObject({
      userId: 'alice',
      month: '2026-11',
      videoId: video.videoId,
      model: 'sora-2',
      size: '720x1280',
      seconds: 8,
      unitPriceMicros: 100_000,
      priceVersion: 'test',
      amountMicros: 800_000,
      // 7 × 25 + 1.5 × 13.3334 + 3 × 0.2 + 3 × 5 + 1234 B for a month ≈ 210.63
      awsCostMicros: 211,
      awsCost: { stateTransitions: 7, lambdaGbSeconds: 1.5, lambdaRequests: 3, s3PutRequests: 3, s3Bytes: 1234 },
    });
    expect(await get(usageKey('alice', '2026-11'))).toMatchObject({
      chargedMicros: 800_000,
      reservedMicros: 0,
      committedMicros: 800_000,
      videos: 1,
      seconds: 8,
      awsCostMicros: 211,
    });
    expect(await get(activeKey('alice'))).toMatchObject({ activeCount: 0 });
    expect(await get(videoKey(video.videoId))).toMatchObject({ settlement: 'charged', settledAt: NOW_S });
  });

  it('records the provider cost once, without charging, when a cancelled video completes at the provider', async () => {
    const video = aVideo({ videoId: nextId(), providerVideoId: 'video_123' });
    await reservations.reserve(video, NOW);
    await releaser.release(video.videoId, { status: 'cancelled', now: NOW_S });

    const late = await charger.charge(video.videoId, { content: CONTENT, completedAt: NOW_S + 60 });
    const again = await charger.charge(video.videoId, { content: CONTENT, completedAt: NOW_S + 61 });

    expect(late).toMatchObject({ applied: false, providerCostRecorded: true, video: { status: 'cancelled' } });
    expect(again).toMatchObject({ applied: false, providerCostRecorded: false });
    expect(await get(providerCostKey('alice', '2026-11', video.videoId))).toMatchObject({
      providerCostMicros: 400_000,
      chargedToUserMicros: 0,
      providerVideoId: 'video_123',
    });
    expect(await get(usageKey('alice', '2026-11'))).toMatchObject({
      reservedMicros: 0,
      providerCostMicros: 400_000,
    });
    expect((await get(usageKey('alice', '2026-11')))?.chargedMicros ?? 0).toBe(0);
  });

  it('settles against the reservation month when a video completes in the next month', async () => {
    const video = aVideo({ videoId: nextId() });
    await reservations.reserve(video, new Date('2026-11-30T23:59:59Z'));

    await charger.charge(video.videoId, { content: CONTENT, completedAt: Date.UTC(2026, 11, 1) / 1000 });

    expect(await get(usageKey('alice', '2026-11'))).toMatchObject({ chargedMicros: 400_000, reservedMicros: 0 });
    expect(await get(usageKey('alice', '2026-12'))).toBeUndefined();
    expect(await get(ledgerKey('alice', '2026-11', video.videoId))).toBeDefined();
  });
});

describe('release', () => {
  it('charges 0 and gives the reservation back once when a failure is released twice', async () => {
    const video = aVideo({ videoId: nextId() });
    await reservations.reserve(video, NOW);
    const error = { code: 'moderation_blocked', message: 'blocked' };

    const first = await releaser.release(video.videoId, { status: 'failed', error, now: NOW_S });
    const second = await releaser.release(video.videoId, { status: 'failed', error, now: NOW_S });
    const lateCharge = await charger.charge(video.videoId, { content: CONTENT, completedAt: NOW_S });

    expect(first).toMatchObject({ applied: true, video: { status: 'failed', chargedMicros: 0, error } });
    expect(second.applied).toBe(false);
    expect(lateCharge.applied).toBe(false);
    expect(await get(videoKey(video.videoId))).toMatchObject({ status: 'failed', chargedMicros: 0, error });
    expect(await get(usageKey('alice', '2026-11'))).toMatchObject({ reservedMicros: 0, committedMicros: 0 });
    expect(await get(activeKey('alice'))).toMatchObject({ activeCount: 0 });
    expect(await get(ledgerKey('alice', '2026-11', video.videoId))).toBeUndefined();
  });

  it('records the provider cost when a video the provider finished fails while it is being stored', async () => {
    const video = aVideo({ videoId: nextId() });
    await reservations.reserve(video, NOW);
    await setStatus(video.videoId, 'storing');

    const result = await releaser.release(video.videoId, {
      status: 'failed',
      error: { code: 'provider_failed', message: 'download broke' },
      now: NOW_S,
    });

    expect(result).toMatchObject({ applied: true, providerCostRecorded: true });
    expect(await get(usageKey('alice', '2026-11'))).toMatchObject({ reservedMicros: 0, providerCostMicros: 400_000 });
  });

  it('only releases the reservation when another path already marked the video cancelled', async () => {
    const video = aVideo({ videoId: nextId() });
    await reservations.reserve(video, NOW);
    await setStatus(video.videoId, 'cancelled');

    const result = await releaser.release(video.videoId, {
      status: 'failed',
      error: { code: 'x', message: 'y' },
      now: NOW_S,
    });

    expect(result).toMatchObject({ applied: true, video: { status: 'cancelled', chargedMicros: 0 } });
    expect(await get(usageKey('alice', '2026-11'))).toMatchObject({ reservedMicros: 0 });
    expect(await get(activeKey('alice'))).toMatchObject({ activeCount: 0 });
  });
});

describe('cancel', () => {
  /** The RECONCILE work items of a video, by kind. */
  const workItemsOf = async (videoId: string) => {
    const { Items = [] } = await local.documents.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: 'videoId = :videoId',
        ExpressionAttributeValues: { ':pk': RECONCILE_PARTITION, ':videoId': videoId },
        ConsistentRead: true,
      }),
    );
    return Items.map((item) => item.kind ?? 'provider_job').sort();
  };
  const heldVideo = async () => {
    const video = aVideo({ videoId: nextId(), status: 'in_progress', providerVideoId: 'video_9' });
    await reservations.reserve(video, NOW);
    const held = await releaser.cancel(video.videoId, NOW_S);
    return { video, held };
  };

  it('releases everything at once when the provider has not accepted a job yet', async () => {
    const video = aVideo({ videoId: nextId() });
    await reservations.reserve(video, NOW);

    const result = await releaser.cancel(video.videoId, NOW_S);

    expect(result).toMatchObject({ applied: true, held: false, video: { status: 'cancelled', chargedMicros: 0 } });
    expect(await get(usageKey('alice', '2026-11'))).toMatchObject({ reservedMicros: 0, committedMicros: 0 });
    expect(await get(activeKey('alice'))).toMatchObject({ activeCount: 0 });
    expect(await workItemsOf(video.videoId)).toEqual([]);
  });

  it('holds the reservation, frees the active slot and writes a settlement item once the provider accepted', async () => {
    const { video, held } = await heldVideo();
    const again = await releaser.cancel(video.videoId, NOW_S + 1);

    expect(held).toMatchObject({ applied: true, held: true, video: { status: 'cancelled', chargedMicros: null } });
    expect(again).toMatchObject({ applied: false, held: false });
    const item = await get(videoKey(video.videoId));
    expect(item).toMatchObject({ status: 'cancelled', cancelHeldAt: NOW_S });
    expect(item?.chargedMicros).toBeUndefined();
    expect(item?.settledAt).toBeUndefined();
    expect(await get(usageKey('alice', '2026-11'))).toMatchObject({
      reservedMicros: 400_000,
      committedMicros: 400_000,
    });
    expect(await get(activeKey('alice'))).toMatchObject({ activeCount: 0 });
    expect(await workItemsOf(video.videoId)).toEqual(['cancel_settlement', 'deadline']);
  });

  it('returns held, with a settlement item due once the create has ended, when a create attempt is unresolved', async () => {
    // Prepare: CreateGenerationJob recorded its attempt and sent the create; no answer recorded yet.
    const video = aVideo({ videoId: nextId(), status: 'queued', providerVideoId: null, providerCreateAttempts: 1 });
    await reservations.reserve(video, NOW);

    // Act
    const result = await releaser.cancel(video.videoId, NOW_S);

    // Assess
    expect(result).toMatchObject({ applied: true, held: true, video: { status: 'cancelled', chargedMicros: null } });
    expect(await get(videoKey(video.videoId))).toMatchObject({ status: 'cancelled', cancelHeldAt: NOW_S });
    expect(await get(usageKey('alice', '2026-11'))).toMatchObject({ reservedMicros: 400_000 });
    expect(await get(activeKey('alice'))).toMatchObject({ activeCount: 0 });
    expect(await workItemsOf(video.videoId)).toEqual(['cancel_settlement', 'deadline']);
    expect(
      await get(workItemKey({ kind: 'cancel_settlement', dueAt: NOW_S + ORPHAN_SEARCH_DELAY_SECONDS, ...video })),
    ).toMatchObject({ providerVideoId: null, givenUpAt: NOW_S });
  });

  it('returns released at 0 when every create attempt was resolved without a job', async () => {
    // Prepare: the provider refused the only create.
    const video = aVideo({
      videoId: nextId(),
      status: 'queued',
      providerCreateAttempts: 1,
      providerCreateResolvedAttempts: 1,
    });
    await reservations.reserve(video, NOW);

    // Act
    const result = await releaser.cancel(video.videoId, NOW_S);

    // Assess
    expect(result).toMatchObject({ applied: true, held: false, video: { status: 'cancelled', chargedMicros: 0 } });
    expect(await get(usageKey('alice', '2026-11'))).toMatchObject({ reservedMicros: 0, committedMicros: 0 });
  });

  it('returns true once when a job is recorded on a held cancel without one (its settlement then due at once), false for any other video', async () => {
    // Prepare
    const inFlight = aVideo({ videoId: nextId(), status: 'queued', providerCreateAttempts: 1 });
    await reservations.reserve(inFlight, NOW);
    await releaser.cancel(inFlight.videoId, NOW_S);
    const released = aVideo({ videoId: nextId(), status: 'queued' });
    await reservations.reserve(released, NOW);
    await releaser.cancel(released.videoId, NOW_S);

    // Act
    const first = await releaser.recordHeldCancelJob(inFlight.videoId, 'video_late', NOW_S + 5);
    const second = await releaser.recordHeldCancelJob(inFlight.videoId, 'video_other', NOW_S + 6);
    const notHeld = await releaser.recordHeldCancelJob(released.videoId, 'video_x', NOW_S + 5);

    // Assess
    expect([first, second, notHeld]).toEqual([true, false, false]);
    expect(await get(videoKey(inFlight.videoId))).toMatchObject({ providerVideoId: 'video_late' });
    expect((await get(videoKey(released.videoId)))?.providerVideoId).toBeUndefined();
    const settlement = { kind: 'cancel_settlement', videoId: inFlight.videoId };
    expect(await get(workItemKey({ ...settlement, dueAt: NOW_S + ORPHAN_SEARCH_DELAY_SECONDS }))).toBeUndefined();
    expect(await get(workItemKey({ ...settlement, dueAt: NOW_S + 5 }))).toMatchObject({
      providerVideoId: 'video_late',
      givenUpAt: NOW_S,
      checks: 0,
    });
  });

  it('records the job on a held cancel whose settlement the reconciler already moved, leaving that item as it is', async () => {
    // Prepare
    const video = aVideo({ videoId: nextId(), status: 'queued', providerCreateAttempts: 1 });
    await reservations.reserve(video, NOW);
    await releaser.cancel(video.videoId, NOW_S);
    const waiting = { kind: 'cancel_settlement', videoId: video.videoId, dueAt: NOW_S + ORPHAN_SEARCH_DELAY_SECONDS };
    const visited = await get(workItemKey(waiting));
    await local.documents.send(new DeleteCommand({ TableName: table, Key: workItemKey(waiting) }));

    // Act
    const recorded = await releaser.recordHeldCancelJob(video.videoId, 'video_late', NOW_S + 5);

    // Assess
    expect(visited).toBeDefined();
    expect(recorded).toBe(true);
    expect(await get(videoKey(video.videoId))).toMatchObject({ providerVideoId: 'video_late' });
    expect(await get(workItemKey({ ...waiting, dueAt: NOW_S + 5 }))).toBeUndefined();
  });

  it('leaves a held cancel alone when the pipeline releases it, and charges its price once when the provider billed', async () => {
    const { video } = await heldVideo();

    const failure = await releaser.release(video.videoId, {
      status: 'failed',
      error: { code: 'timed_out', message: 'x' },
      now: NOW_S + 1,
    });
    const plainCancel = await releaser.release(video.videoId, { status: 'cancelled', now: NOW_S + 1 });
    const first = await charger.chargeCancelled(video.videoId, NOW_S + 2);
    const second = await charger.chargeCancelled(video.videoId, NOW_S + 3);
    const lateCompletion = await charger.charge(video.videoId, { content: CONTENT, completedAt: NOW_S + 4 });

    expect(failure).toMatchObject({ applied: false, awaitingProvider: true });
    expect(plainCancel).toMatchObject({ applied: false, awaitingProvider: true });
    expect(first).toMatchObject({ applied: true, video: { status: 'cancelled', chargedMicros: 400_000 } });
    expect(second.applied).toBe(false);
    expect(lateCompletion).toMatchObject({ applied: false, video: { status: 'cancelled' } });
    expect(await get(ledgerKey('alice', '2026-11', video.videoId))).toMatchObject({
      kind: 'cancelled_charge',
      amountMicros: 400_000,
    });
    expect(await get(usageKey('alice', '2026-11'))).toMatchObject({
      chargedMicros: 400_000,
      cancelledChargedMicros: 400_000,
      cancelledVideos: 1,
      reservedMicros: 0,
      committedMicros: 400_000,
      videos: 1,
    });
    expect(await get(activeKey('alice'))).toMatchObject({ activeCount: 0 });
    expect(await get(providerCostKey('alice', '2026-11', video.videoId))).toBeUndefined();
    expect(await workItemsOf(video.videoId)).toEqual(['cancel_settlement']);
  });

  it('charges a held cancel its price once when the raced pipeline records the completion', async () => {
    const { video } = await heldVideo();

    const completion = await charger.charge(video.videoId, { content: CONTENT, completedAt: NOW_S + 2 });
    const settlement = await charger.chargeCancelled(video.videoId, NOW_S + 3);

    expect(completion).toMatchObject({ applied: true, video: { status: 'cancelled', chargedMicros: 400_000 } });
    expect(settlement.applied).toBe(false);
    expect(await get(usageKey('alice', '2026-11'))).toMatchObject({ chargedMicros: 400_000, reservedMicros: 0 });
    expect(await get(videoKey(video.videoId))).toMatchObject({ status: 'cancelled', settlement: 'charged' });
  });

  it('releases a held cancel at 0 once when the provider job ended, and records a later billing for finance only', async () => {
    const { video } = await heldVideo();

    const first = await releaser.release(video.videoId, {
      status: 'cancelled',
      now: NOW_S + 2,
      settlesHeldCancel: 'provider_ended',
    });
    const second = await releaser.release(video.videoId, {
      status: 'cancelled',
      now: NOW_S + 3,
      settlesHeldCancel: 'gave_up',
    });
    const billedLater = await charger.chargeCancelled(video.videoId, NOW_S + 4);

    expect(first).toMatchObject({ applied: true, video: { status: 'cancelled', chargedMicros: 0 } });
    expect(second.applied).toBe(false);
    expect(billedLater).toMatchObject({ applied: false, providerCostRecorded: true });
    expect(await get(usageKey('alice', '2026-11'))).toMatchObject({
      reservedMicros: 0,
      committedMicros: 0,
      providerCostMicros: 400_000,
    });
    expect((await get(usageKey('alice', '2026-11')))?.chargedMicros ?? 0).toBe(0);
    // Freed once, at cancel: the release does not free it again.
    expect(await get(activeKey('alice'))).toMatchObject({ activeCount: 0 });
    expect(await get(ledgerKey('alice', '2026-11', video.videoId))).toBeUndefined();
    // No second follow-up: the settlement item is the only one.
    expect(await workItemsOf(video.videoId)).toEqual(['cancel_settlement']);
  });
});

describe('provider-cost', () => {
  it('returns true once and records the job it is given when a released video without a saved job is billed', async () => {
    const video = aVideo({ videoId: nextId() });
    await reservations.reserve(video, NOW);
    await releaser.release(video.videoId, { status: 'cancelled', now: NOW_S });
    const costs = new DynamoProviderCosts(local.documents, table);

    const first = await costs.recordProviderCostOf(video.videoId, NOW_S + 60, 'video_found');
    const second = await costs.recordProviderCostOf(video.videoId, NOW_S + 61, 'video_found');

    expect({ first, second }).toEqual({ first: true, second: false });
    expect(await get(providerCostKey('alice', '2026-11', video.videoId))).toMatchObject({
      providerVideoId: 'video_found',
      providerCostMicros: 400_000,
      recordedAt: NOW_S + 60,
    });
    expect(await get(usageKey('alice', '2026-11'))).toMatchObject({ providerCostMicros: 400_000 });
  });

  it('returns false and records nothing when the video was completed (the user paid) or does not exist', async () => {
    const video = aVideo({ videoId: nextId() });
    await reservations.reserve(video, NOW);
    await charger.charge(video.videoId, { content: CONTENT, completedAt: NOW_S });
    const costs = new DynamoProviderCosts(local.documents, table);

    expect(await costs.recordProviderCostOf(video.videoId, NOW_S + 60)).toBe(false);
    expect(await costs.recordProviderCostOf(nextId(), NOW_S + 60)).toBe(false);
    expect(await get(providerCostKey('alice', '2026-11', video.videoId))).toBeUndefined();
  });
});

describe('DynamoBilling', () => {
  it('throws from reserve, writing nothing, when it was built without a limits store', async () => {
    const video = aVideo({ videoId: nextId() });

    await expect(new DynamoBilling(local.documents, table).reserve(video, NOW)).rejects.toThrow(/limits store/);

    expect(await get(videoKey(video.videoId))).toBeUndefined();
  });
});

describe('webhook outbox', () => {
  const outbox = async () =>
    (
      await local.documents.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': WEBHOOK_OUTBOX_PARTITION },
          ConsistentRead: true,
        }),
      )
    ).Items ?? [];

  it('returns one video.completed item written with the charge, and none more when the charge is retried', async () => {
    const video = aVideo({ videoId: nextId(), estimatedMicros: 400_000 });
    await reservations.reserve(video, NOW);

    await charger.charge(video.videoId, { content: CONTENT, completedAt: NOW_S });
    const [item] = await outbox();
    await local.documents.send(
      new DeleteCommand({ TableName: table, Key: webhookOutboxKey(video.videoId, 'video.completed') }),
    );
    await charger.charge(video.videoId, { content: CONTENT, completedAt: NOW_S + 5 });

    expect(item).toMatchObject({ ...webhookOutboxKey(video.videoId, 'video.completed'), userId: 'alice' });
    expect(JSON.parse(String(item?.event))).toMatchObject({
      id: webhookEventId(video.videoId, 'video.completed'),
      object: 'event',
      type: 'video.completed',
      created_at: NOW_S,
      data: { id: video.videoId, status: 'completed', cost: { charged_micros: 400_000 } },
    });
    // The retried charge found the video settled: no second event, even after the first was dispatched.
    expect(await outbox()).toEqual([]);
  });

  it('returns video.failed from a release and video.cancelled with charged_micros null from a held cancel, once each', async () => {
    const failed = aVideo({ videoId: nextId() });
    const held = aVideo({ videoId: nextId(), status: 'in_progress', providerVideoId: 'video_held' });
    await reservations.reserve(failed, NOW);
    await reservations.reserve(held, NOW);
    const error = { code: 'moderation_blocked', message: 'blocked' };

    await releaser.release(failed.videoId, { status: 'failed', now: NOW_S, error });
    await releaser.release(failed.videoId, { status: 'failed', now: NOW_S + 1, error });
    await releaser.cancel(held.videoId, NOW_S);
    await releaser.cancel(held.videoId, NOW_S + 1);

    const events = (await outbox()).map((item) => JSON.parse(String(item.event)));
    expect(events.map((event) => [event.data.id, event.type]).sort()).toEqual(
      [
        [failed.videoId, 'video.failed'],
        [held.videoId, 'video.cancelled'],
      ].sort(),
    );
    expect(events.find((event) => event.type === 'video.cancelled').data.cost.charged_micros).toBeNull();
    expect(events.find((event) => event.type === 'video.failed').data.error).toEqual(error);
  });
});

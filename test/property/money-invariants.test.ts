import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ErasureRunDeps, runErasure } from '../../functions/erase-user-data/erasure-run';
import { newVideoRecord } from '../../shared/admission/admit-video';
import { derivedVideoFields } from '../../shared/admission/derived-video';
import { BudgetExceededError, QuotaExceededError, ValidationError } from '../../shared/errors';
import { DynamoBilling } from '../../shared/money/billing';
import { DynamoLimitsStore } from '../../shared/money/limits';
import { DEFAULT_PRICE_TABLE, estimateMicros } from '../../shared/pricing';
import { videoKey } from '../../shared/table-keys';
import { DynamoVideoRepository } from '../../shared/video/repository';
import type { VideoContent, VideoRecord } from '../../shared/video/video';
import { type LocalTable, startLocalTable } from '../helpers/dynamodb-local';

/*
 * Property: whatever the interleaving of reserve / charge / release / provider-finished / duplicate deliveries /
 * retries (commands in a group run concurrently, groups one after another), against DynamoDB Local:
 * - the month's charged amount = the sum of ledger entries = the sum of charged videos; failed videos are charged 0
 *   and have no ledger entry; no video has two;
 * - cancel after the provider accepted the job (accept, then cancel): the video is cancelled with nothing charged
 *   until the provider's outcome (billed, ended, or given up on) settles it: its price once, as a
 *   `cancelled_charge` ledger entry, or 0; a cancel before acceptance releases at once (charged 0);
 * - reserved = the estimates of videos not yet settled (held cancels included); committed = charged + reserved
 *   <= budget;
 * - the active count = videos not yet settled and not held cancels; the daily count = accepted creates;
 * - a provider cost is recorded at most once per video and summed in the month;
 * - a rejected or duplicate create writes nothing;
 * - derived videos of extensions (an edit, a remix or an extension of an extended video, made as derived-video.ts
 *   makes them) are priced at what the provider generates: the stitched length for an edit or a remix, the segment
 *   for an extension; one that would pass 20 seconds is refused; the month's seconds are the charged videos' own;
 * - an erasure of the user (erase-user-data's user_erasure work: cancel what runs under the rules above, then tombstone
 *   every video), concurrent with any of these and once more at the end, keeps every invariant above; past the
 *   cancels it makes (the same as the user's own), it changes nothing in the ledger: the same entries, the same
 *   charged and provider-cost totals before and after.
 */

// CI-sized in `npm test`; `npm run bench -- money` runs it with MONEY_PROPERTY_RUNS=1000 (figures in bench/RESULTS.md).
const NUM_RUNS = Number(process.env.MONEY_PROPERTY_RUNS ?? 250);
const VIDEOS_PER_RUN = 4;
const CONTENT: VideoContent = {
  contentType: 'video/mp4',
  bytes: 1,
  sha256: '0'.repeat(64),
  variants: ['video'],
  bucket: 'bucket',
  key: 'videos/key',
};

type Command =
  | {
      kind: 'reserve';
      video: number;
      seconds: '4' | '8' | '12';
      pro: boolean;
      /** Made from an extended video (its first length, then its segment): how; none for a create. */
      derived: 'none' | 'edit' | 'remix' | 'extension';
      base: '4' | '8' | '12';
      segment: '4' | '8' | '12';
    }
  | { kind: 'charge'; video: number; copies: number }
  | { kind: 'release'; video: number; status: 'failed' | 'cancelled'; copies: number }
  | { kind: 'providerFinished'; video: number }
  | { kind: 'accept'; video: number }
  | { kind: 'cancel'; video: number; copies: number; acceptFirst: boolean }
  | { kind: 'settleCancel'; video: number; outcome: 'billed' | 'ended' | 'gaveUp'; copies: number }
  | { kind: 'erase' }
  | { kind: 'retryPrevious' };

const video = fc.integer({ min: 0, max: VIDEOS_PER_RUN - 1 });
const copies = fc.integer({ min: 1, max: 2 });
const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('reserve' as const),
      video,
      seconds: fc.constantFrom('4' as const, '8' as const, '12' as const),
      pro: fc.boolean(),
      derived: fc.constantFrom(
        'none' as const,
        'none' as const,
        'edit' as const,
        'remix' as const,
        'extension' as const,
      ),
      base: fc.constantFrom('4' as const, '8' as const, '12' as const),
      segment: fc.constantFrom('4' as const, '8' as const, '12' as const),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('charge' as const), video, copies }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('release' as const),
      video,
      status: fc.constantFrom('failed' as const, 'cancelled' as const),
      copies,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('providerFinished' as const), video }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('accept' as const), video }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('cancel' as const), video, copies, acceptFirst: fc.boolean() }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('settleCancel' as const),
      video,
      outcome: fc.constantFrom('billed' as const, 'ended' as const, 'gaveUp' as const),
      copies,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('erase' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('retryPrevious' as const) }) },
);
const scenario = fc.record({
  limits: fc.record({
    budgetMicros: fc.integer({ min: 0, max: 8_000_000 }),
    maxActive: fc.integer({ min: 0, max: 4 }),
    maxPerDay: fc.integer({ min: 0, max: 6 }),
  }),
  /** Seconds before the end of the month the reservations happen (settlements may fall in the next month). */
  secondsBeforeMonthEnd: fc.integer({ min: 1, max: 7200 }),
  groups: fc.array(fc.array(command, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 6 }),
});

let local: LocalTable;
let table: string;
let runs = 0;

beforeAll(async () => {
  local = await startLocalTable();
  table = await local.createTable('money-property');
});
afterAll(async () => {
  await local?.stop();
});

describe('money invariants (fast-check against DynamoDB Local)', () => {
  it(`returns consistent ledgers, aggregates and videos for ${NUM_RUNS} random interleavings`, async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ limits, secondsBeforeMonthEnd, groups }) => {
        const run = ++runs;
        const userId = `prop-${run}`;
        const limitsStore = new DynamoLimitsStore(local.documents, table, limits);
        const billing = new DynamoBilling(local.documents, table, limitsStore);
        const reserveAt = new Date(Date.UTC(2026, 11, 1) - secondsBeforeMonthEnd * 1000);
        const settleAt = Math.floor(reserveAt.getTime() / 1000) + 3600;
        const videoId = (index: number) => `vid_p${run}_${index}`;
        let accepted = 0;
        let previous: Command | undefined;

        const execute = async (cmd: Command): Promise<void> => {
          switch (cmd.kind) {
            case 'reserve': {
              const model = cmd.pro ? 'sora-2-pro' : 'sora-2';
              let record: VideoRecord;
              try {
                record =
                  cmd.derived === 'none'
                    ? aVideo(videoId(cmd.video), userId, model, cmd.seconds, reserveAt)
                    : aDerivedVideo(videoId(cmd.video), userId, model, cmd, reserveAt);
              } catch (error) {
                // An extension past 20 seconds: refused before anything is written.
                if (!(error instanceof ValidationError)) throw error;
                expect(Number(cmd.base) + Number(cmd.segment) + Number(cmd.seconds)).toBeGreaterThan(20);
                return;
              }
              try {
                await billing.reserve(record, reserveAt);
                accepted++;
              } catch (error) {
                const known =
                  error instanceof BudgetExceededError ||
                  error instanceof QuotaExceededError ||
                  /already exists/.test(String(error));
                if (!known) throw error;
              }
              return;
            }
            case 'charge':
              await Promise.all(
                Array.from({ length: cmd.copies }, () =>
                  billing.charge(videoId(cmd.video), { content: CONTENT, completedAt: settleAt }),
                ),
              );
              return;
            case 'release':
              await Promise.all(
                Array.from({ length: cmd.copies }, () =>
                  billing.release(
                    videoId(cmd.video),
                    cmd.status === 'failed'
                      ? { status: 'failed', error: { code: 'provider_failed', message: 'x' }, now: settleAt }
                      : { status: 'cancelled', now: settleAt },
                  ),
                ),
              );
              return;
            case 'providerFinished':
              await markStoring(videoId(cmd.video));
              return;
            case 'accept':
              await markAccepted(videoId(cmd.video));
              return;
            case 'cancel':
              // The provider accepting the job just before the cancel: the cancel holds.
              if (cmd.acceptFirst) await markAccepted(videoId(cmd.video));
              await Promise.all(Array.from({ length: cmd.copies }, () => billing.cancel(videoId(cmd.video), settleAt)));
              return;
            case 'settleCancel':
              await Promise.all(
                Array.from({ length: cmd.copies }, () =>
                  cmd.outcome === 'billed'
                    ? billing.chargeCancelled(videoId(cmd.video), settleAt)
                    : billing.release(videoId(cmd.video), {
                        status: 'cancelled',
                        now: settleAt,
                        settlesHeldCancel: cmd.outcome === 'ended' ? 'provider_ended' : 'gave_up',
                      }),
                ),
              );
              return;
            case 'erase':
              await erase(userId, settleAt, billing);
              return;
            case 'retryPrevious':
              if (previous !== undefined && previous.kind !== 'retryPrevious' && previous.kind !== 'reserve') {
                await execute(previous);
              }
              return;
          }
        };

        for (const group of groups) {
          await Promise.all(group.map((cmd) => execute(cmd)));
          previous = group.at(-1);
        }

        await checkInvariants(userId, VIDEOS_PER_RUN, videoId, limits.budgetMicros, accepted, reserveAt);
        // Erasing the user keeps every invariant; past the cancels it makes (the same as the user's own, e.g. a cancel
        // while storing records a provider cost), it leaves the ledger as it was.
        await Promise.all(
          Array.from({ length: VIDEOS_PER_RUN }, (_, index) => billing.cancel(videoId(index), settleAt + 30)),
        );
        const before = await ledgerOf(userId);
        await erase(userId, settleAt + 60, billing);
        await checkInvariants(userId, VIDEOS_PER_RUN, videoId, limits.budgetMicros, accepted, reserveAt);
        expect(await ledgerOf(userId)).toEqual(before);
        for (let index = 0; index < VIDEOS_PER_RUN; index++) {
          const { Item } = await local.documents.send(
            new GetCommand({ TableName: table, Key: videoKey(videoId(index)), ConsistentRead: true }),
          );
          if (Item !== undefined) expect(Item, JSON.stringify(Item)).toMatchObject({ deletedAt: expect.any(Number) });
          expect(Item?.prompt).toBeUndefined();
        }
      }),
      { numRuns: NUM_RUNS },
    );
  }, 900_000);
});

/**
 * One run of erase-user-data's erasure of `userId` against the table (objects, idempotency records, provider copies
 * and executions faked: they hold no money).
 */
async function erase(userId: string, now: number, billing: DynamoBilling): Promise<void> {
  const deps: ErasureRunDeps = {
    videos: new DynamoVideoRepository(local.documents, table),
    storage: { remove: async () => {}, removeUnder: async () => 0 },
    idempotencyRecords: { forget: async () => {} },
    queue: { add: async () => {} },
    admission: { leaveQueue: async () => {} },
    webhooks: {
      endpoints: { listAll: async () => [], delete: async () => false },
      deliveries: { removeAll: async () => 0 },
      eventBodies: { removeAll: async () => 0 },
    },
    erasures: {
      get: async () => ({
        erasureId: 'era_property',
        userId,
        status: 'pending',
        requestedBy: 'finance',
        requestedAt: now,
        completedAt: null,
        videosErased: 0,
        videosCancelled: 0,
        objectsDeleted: 0,
      }),
      recordProgress: async () => true,
    },
    canceller: billing,
    pipeline: { stop: async () => {} },
    bucket: 'bucket',
    clock: () => new Date(now * 1000),
    logger: { info: () => {}, warn: () => {} },
    metrics: { addMetric: () => {} } as unknown as ErasureRunDeps['metrics'],
  };
  await runErasure({ userId, erasureId: 'era_property' }, Number.POSITIVE_INFINITY, deps);
}

/** The user's ledger entries, provider costs and money totals of every month (what an erasure must not change). */
async function ledgerOf(userId: string) {
  const { Items = [] } = await local.documents.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `USER#${userId}` },
      ConsistentRead: true,
    }),
  );
  const of = (prefix: string) => Items.filter((item) => String(item.sk).startsWith(prefix));
  return {
    ledger: of('LEDGER#'),
    providerCosts: of('PROVIDERCOST#'),
    charged: of('USAGE#').map((usage) => ({
      sk: usage.sk,
      chargedMicros: usage.chargedMicros,
      cancelledChargedMicros: usage.cancelledChargedMicros,
      providerCostMicros: usage.providerCostMicros,
      videos: usage.videos,
    })),
  };
}

function aVideo(videoId: string, userId: string, model: string, seconds: '4' | '8' | '12', at: Date): VideoRecord {
  const createdAt = Math.floor(at.getTime() / 1000);
  return {
    videoId,
    userId,
    status: 'queued',
    progress: 0,
    prompt: 'property',
    model,
    seconds,
    size: '720x1280',
    metadata: {},
    remixedFromVideoId: null,
    createdAt,
    updatedAt: createdAt,
    completedAt: null,
    error: null,
    estimatedMicros: estimateMicros(model, '720x1280', seconds),
    chargedMicros: null,
    priceVersion: 'property',
    content: null,
    providerVideoId: null,
    providerCreateAttempts: 0,
    providerFirstAttemptAt: null,
  };
}

/**
 * A video made (as derived-video.ts makes it) from an extended video: `base` seconds extended by `segment`. Checks
 * it is priced at what the provider generates: an edit or a remix regenerates the stitched length, an extension
 * only its own segment.
 */
function aDerivedVideo(
  videoId: string,
  userId: string,
  model: string,
  cmd: Extract<Command, { kind: 'reserve' }>,
  at: Date,
): VideoRecord {
  const source = {
    ...aVideo(`${videoId}_source`, userId, model, cmd.segment, at),
    status: 'completed' as const,
    providerVideoId: `video_${videoId}_source`,
    derivedFrom: {
      kind: 'extension' as const,
      videoId: `${videoId}_first`,
      providerVideoId: `video_${videoId}_first`,
      sourceSeconds: Number(cmd.base),
    },
  };
  const kind = cmd.derived as 'edit' | 'remix' | 'extension';
  const record = newVideoRecord(
    {
      videoId,
      userId,
      prompt: 'property',
      metadata: {},
      ...derivedVideoFields(kind, source, kind === 'extension' ? cmd.seconds : undefined),
    },
    DEFAULT_PRICE_TABLE,
    at,
  );
  const generated = kind === 'extension' ? Number(cmd.seconds) : Number(cmd.base) + Number(cmd.segment);
  expect(Number(record.seconds)).toBe(generated);
  expect(record.estimatedMicros).toBe(estimateMicros(model, '720x1280', String(generated), DEFAULT_PRICE_TABLE));
  return { ...record, priceVersion: 'property' };
}

/** What create-generation-job does when the provider accepts the job: its id saved, only while not terminal. */
async function markAccepted(videoId: string): Promise<void> {
  try {
    await local.documents.send(
      new UpdateCommand({
        TableName: table,
        Key: videoKey(videoId),
        UpdateExpression: 'SET providerVideoId = :job, #status = :inProgress',
        ConditionExpression: 'attribute_exists(pk) AND NOT (#status IN (:completed, :failed, :cancelled, :storing))',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':job': `video_${videoId}`,
          ':inProgress': 'in_progress',
          ':completed': 'completed',
          ':failed': 'failed',
          ':cancelled': 'cancelled',
          ':storing': 'storing',
        },
      }),
    );
  } catch (error) {
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
  }
}

/** What store-video does when the provider has finished: status storing, only while not terminal. */
async function markStoring(videoId: string): Promise<void> {
  try {
    await local.documents.send(
      new UpdateCommand({
        TableName: table,
        Key: videoKey(videoId),
        UpdateExpression: 'SET #status = :storing',
        ConditionExpression: 'attribute_exists(pk) AND NOT (#status IN (:completed, :failed, :cancelled))',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':storing': 'storing',
          ':completed': 'completed',
          ':failed': 'failed',
          ':cancelled': 'cancelled',
        },
      }),
    );
  } catch (error) {
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
  }
}

async function checkInvariants(
  userId: string,
  videoCount: number,
  videoId: (index: number) => string,
  budget: number,
  accepted: number,
  reserveAt: Date,
): Promise<void> {
  const month = reserveAt.toISOString().slice(0, 7);
  const { Items = [] } = await local.documents.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `USER#${userId}` },
      ConsistentRead: true,
    }),
  );
  const bySk = (prefix: string) => Items.filter((item) => String(item.sk).startsWith(prefix));
  const usage = bySk(`USAGE#${month}`)[0] ?? {};
  const usageMonths = bySk('USAGE#');
  const ledger = bySk('LEDGER#');
  const providerCosts = bySk('PROVIDERCOST#');
  const active = bySk('ACTIVE')[0];
  const day = bySk('DAY#')[0];
  const videos = (
    await Promise.all(
      Array.from({ length: videoCount }, async (_, index) => {
        const { Item } = await local.documents.send(
          new GetCommand({ TableName: table, Key: videoKey(videoId(index)), ConsistentRead: true }),
        );
        return Item;
      }),
    )
  ).filter((item): item is Record<string, unknown> => item !== undefined);
  const n = (value: unknown) => (typeof value === 'number' ? value : 0);
  const sum = (items: Record<string, unknown>[], field: string) =>
    items.reduce((total, item) => total + n(item[field]), 0);

  const charged = videos.filter((item) => item.settlement === 'charged');
  const unsettled = videos.filter((item) => item.settledAt === undefined);
  const state = JSON.stringify({ usage, videos, ledger, providerCosts, active, day }, null, 1);

  // Everything lands in the reservation's month.
  expect(usageMonths.length, state).toBeLessThanOrEqual(1);
  // Charged = ledger = videos; one ledger entry per charged video.
  expect(n(usage.chargedMicros), state).toBe(sum(ledger, 'amountMicros'));
  expect(sum(ledger, 'amountMicros'), state).toBe(sum(charged, 'chargedMicros'));
  expect(ledger.map((entry) => entry.videoId).sort(), state).toEqual(charged.map((item) => item.videoId).sort());
  expect(n(usage.videos), state).toBe(ledger.length);
  // The month's seconds are what the charged videos had generated (a derived video's own, never its source's).
  expect(n(usage.seconds), state).toBe(charged.reduce((total, item) => total + Number(item.seconds), 0));
  // Completed videos are charged; failed ones carry 0; a cancelled one 0, or (held, then billed by the provider) its
  // price as a cancelled video's charge; a cancel held for the provider's outcome carries nothing yet.
  const held = unsettled.filter((item) => item.status === 'cancelled');
  for (const item of videos) {
    if (item.status === 'completed') expect(item.settlement, state).toBe('charged');
    if (item.status === 'failed') {
      expect(item.chargedMicros, state).toBe(0);
      expect(item.settlement, state).toBe('released');
    }
    if (item.status === 'cancelled' && item.settledAt !== undefined) {
      if (item.settlement === 'charged') {
        expect(item.cancelHeldAt, state).toBeDefined();
        expect(item.chargedMicros, state).toBe(item.estimatedMicros);
      } else {
        expect(item.settlement, state).toBe('released');
        expect(item.chargedMicros, state).toBe(0);
      }
    }
    if (item.settledAt === undefined) {
      expect(['queued', 'in_progress', 'storing', 'cancelled'], state).toContain(item.status);
      expect(item.chargedMicros, state).toBeUndefined();
      // Only a cancel after the provider accepted the job holds: one before releases at once.
      if (item.status === 'cancelled') expect(item.cancelHeldAt, state).toBeDefined();
    }
    if (item.cancelHeldAt !== undefined) expect(typeof item.providerVideoId, state).toBe('string');
  }
  // Cancelled videos' charges are marked as such in the ledger and counted apart in the month.
  const cancelledCharges = ledger.filter((entry) => entry.kind === 'cancelled_charge');
  expect(cancelledCharges.map((entry) => entry.videoId).sort(), state).toEqual(
    charged
      .filter((item) => item.status === 'cancelled')
      .map((item) => item.videoId)
      .sort(),
  );
  expect(n(usage.cancelledChargedMicros), state).toBe(sum(cancelledCharges, 'amountMicros'));
  expect(n(usage.cancelledVideos), state).toBe(cancelledCharges.length);
  // Reserved = unsettled estimates (held cancels included); committed = charged + reserved, within the budget.
  expect(n(usage.reservedMicros), state).toBe(sum(unsettled, 'reservedMicros'));
  expect(n(usage.committedMicros), state).toBe(n(usage.chargedMicros) + n(usage.reservedMicros));
  expect(n(usage.committedMicros), state).toBeLessThanOrEqual(budget);
  // Counts.
  // A held cancel freed its slot at cancel.
  expect(n(active?.activeCount), state).toBe(unsettled.length - held.length);
  expect(n(day?.createdCount), state).toBe(accepted);
  expect(videos.length, state).toBe(accepted);
  // Provider costs: at most one per video, never for a charged video, summed in the month.
  const providerVideoIds = providerCosts.map((entry) => entry.videoId);
  expect(new Set(providerVideoIds).size, state).toBe(providerVideoIds.length);
  for (const entry of providerCosts)
    expect(
      charged.map((item) => item.videoId),
      state,
    ).not.toContain(entry.videoId);
  expect(n(usage.providerCostMicros), state).toBe(sum(providerCosts, 'providerCostMicros'));
}

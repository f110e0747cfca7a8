import { describe, expect, it } from 'vitest';
import { type CreateVideoDeps, createVideo } from '../../../functions/create-video/create-video';
import { createVideoRequestParser } from '../../../functions/create-video/schema';
import { DEFAULT_CATALOGUE } from '../../../shared/catalogue/default-catalogue';
import { BudgetExceededError, QuotaExceededError } from '../../../shared/errors';
import type { RequestIdempotency } from '../../../shared/http/idempotency';
import { dynamoBilling } from '../../../shared/money/billing';
import { DynamoIdempotencyGuards } from '../../../shared/money/idempotency-guard';
import { DynamoLimitsStore } from '../../../shared/money/limits';
import type { UserLimits } from '../../../shared/money/user-limits';
import type { PipelineInput } from '../../../shared/pipeline/types';
import { usageKey } from '../../../shared/table-keys';
import { DynamoVideoRepository } from '../../../shared/video/repository';
import type { LocalTable } from '../../helpers/dynamodb-local';
import { pngOf } from '../../helpers/images';
import { alice, fakeLogger, fakeMetrics, recordingPipeline } from '../fakes/fakes';
import { DEFAULTS, NOW } from '../money/money-fixtures';
import { freshTableEachTest, readItem } from '../money/money-table';

/*
 * create-video's budget and quota pre-check, before an input_reference is fetched: with the real money moves against
 * DynamoDB Local, so the refusal is the reservation's own. Powertools idempotency is bypassed (every earlier
 * invocation as if its answer was lost): a keyed repeat is answered from the key's claim, as admitVideo does.
 */

const IMAGE_URL = 'https://images.example/kite.png';
/** sora-2, 4 seconds, at $0.10/s: what each request below is estimated at. */
const ESTIMATE = 400_000;
const CHANGE = { actorUserId: 'fin', requestId: 'req-1', at: NOW };

let local: LocalTable;
let table: string;
freshTableEachTest((localTable, newTable) => {
  local = localTable;
  table = newTable;
});

function setup() {
  const png = pngOf(1280, 720);
  const fetched: string[] = [];
  const started: PipelineInput[] = [];
  const videos = new DynamoVideoRepository(local.documents, table);
  // Powertools bypassed: a keyed repeat reaches admitVideo, which answers it from the key's claim.
  const idempotency: RequestIdempotency = async (_request, _context, run) => run();
  let ids = 0;
  const deps: CreateVideoDeps = {
    money: dynamoBilling(local.documents, table, DEFAULTS),
    guards: new DynamoIdempotencyGuards(local.documents, table),
    videos,
    pipeline: recordingPipeline(started),
    catalogue: DEFAULT_CATALOGUE,
    idempotency,
    clock: () => NOW,
    newId: () => `vid_01JD${String(++ids).padStart(22, '0')}`,
    logger: fakeLogger(),
    metrics: fakeMetrics(),
    images: {
      readUpload: async () => undefined,
      fetchUrl: async (url) => {
        fetched.push(url);
        return { status: 200, contentType: 'image/png', body: png };
      },
    },
    objects: { put: async () => undefined },
    storage: { remove: async () => undefined },
    bucket: 'videos-bucket',
  };
  const limits = new DynamoLimitsStore(local.documents, table, DEFAULTS);
  const setLimits = (overrides: Partial<UserLimits>) => limits.update('alice', overrides, CHANGE);
  return { deps, fetched, started, setLimits };
}

const parse = createVideoRequestParser({ catalogue: DEFAULT_CATALOGUE });
const request = (options: { image?: boolean; key?: string; prompt?: string } = {}) =>
  parse(
    {
      body: {
        prompt: options.prompt ?? 'A kite',
        size: '1280x720',
        ...(options.image === false ? {} : { input_reference: { image_url: IMAGE_URL } }),
      },
      ...(options.key === undefined ? {} : { headers: { 'idempotency-key': options.key } }),
    },
    alice,
  );
const rejectionOf = (promise: Promise<unknown>) => promise.then(() => undefined).catch((error: unknown) => error);

describe('create-video budget and quota pre-check', () => {
  it('returns the video after fetching its image_url once when the caller is within limits', async () => {
    // Prepare
    const { deps, fetched, started } = setup();

    // Act
    const video = await createVideo(request(), deps);

    // Assess
    expect(video.input_reference).toMatchObject({ source: 'image_url' });
    expect(fetched).toEqual([IMAGE_URL]);
    expect(started).toEqual([{ videoId: video.id, userId: 'alice' }]);
  });

  it('throws the reservation’s 402 without fetching the image_url when the month’s budget cannot cover it', async () => {
    // Prepare: the budget holds one video, and one is reserved.
    const { deps, fetched, setLimits } = setup();
    await setLimits({ budgetMicros: ESTIMATE });
    await createVideo(request({ image: false, prompt: 'The first' }), deps);
    const reservationRefusal = await rejectionOf(createVideo(request({ image: false }), deps));

    // Act
    const rejection = await rejectionOf(createVideo(request(), deps));

    // Assess
    expect(rejection).toBeInstanceOf(BudgetExceededError);
    expect(rejection).toMatchObject({ status: 402, code: 'budget_exceeded' });
    expect(rejection).toEqual(reservationRefusal);
    expect(fetched).toEqual([]);
    expect(await readItem(local, table, usageKey('alice', '2026-11'))).toMatchObject({ committedMicros: ESTIMATE });
  });

  it('throws the reservation’s 429 with Retry-After without fetching the image_url when today’s quota is used up', async () => {
    // Prepare
    const { deps, fetched, setLimits } = setup();
    await setLimits({ maxPerDay: 1 });
    await createVideo(request({ image: false, prompt: 'The first' }), deps);
    const reservationRefusal = await rejectionOf(createVideo(request({ image: false }), deps));

    // Act
    const rejection = await rejectionOf(createVideo(request(), deps));

    // Assess: 12:00 UTC, so the quota opens again in 12 hours.
    expect(rejection).toBeInstanceOf(QuotaExceededError);
    expect(rejection).toMatchObject({ status: 429, code: 'quota_exceeded', retryAfterSeconds: 12 * 3600 });
    expect(rejection).toEqual(reservationRefusal);
    expect(fetched).toEqual([]);
  });

  it('returns the first video to a keyed repeat when the caller is over budget now, and refuses a new key unfetched', async () => {
    // Prepare
    const { deps, fetched, started, setLimits } = setup();
    const first = await createVideo(request({ key: 'kite-1' }), deps);
    await setLimits({ budgetMicros: 0 });

    // Act
    const repeat = await createVideo(request({ key: 'kite-1' }), deps);
    const newKey = await rejectionOf(createVideo(request({ key: 'kite-2' }), deps));

    // Assess: the repeat fetched (its image is part of what the key stands for), the new key did not.
    expect(repeat.id).toBe(first.id);
    expect(started.map((input) => input.videoId)).toEqual([first.id, first.id]);
    expect(newKey).toMatchObject({ status: 402, code: 'budget_exceeded' });
    expect(fetched).toEqual([IMAGE_URL, IMAGE_URL]);
  });
});

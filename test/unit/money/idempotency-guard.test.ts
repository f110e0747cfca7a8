import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { type AdmitVideoDeps, admitVideo } from '../../../shared/admission/admit-video';
import { BudgetExceededError } from '../../../shared/errors';
import { type IdempotentRequest, requestHashOf } from '../../../shared/http/idempotency';
import { DynamoBilling } from '../../../shared/money/billing';
import {
  DynamoIdempotencyGuards,
  IDEMPOTENCY_GUARD_SECONDS,
  IdempotencyKeyClaimedError,
} from '../../../shared/money/idempotency-guard';
import { DynamoLimitsStore } from '../../../shared/money/limits';
import type { PipelineInput } from '../../../shared/pipeline/types';
import { activeKey, idempotencyGuardKey, usageKey, videoKey } from '../../../shared/table-keys';
import { DynamoVideoRepository } from '../../../shared/video/repository';
import type { LocalTable } from '../../helpers/dynamodb-local';
import { aVideo, fakeLogger } from '../fakes/fakes';
import { DEFAULTS, NOW, NOW_S } from './money-fixtures';
import { freshTableEachTest, readItem } from './money-table';

/* The Idempotency-Key claim in the reserve transaction, against AWS's DynamoDB Local. */

let local: LocalTable;
let table: string;
let billing: DynamoBilling;
let guards: DynamoIdempotencyGuards;
let started: PipelineInput[];
let deps: AdmitVideoDeps;
let videoCounter = 0;

const get = (key: { pk: string; sk: string }) => readItem(local, table, key);
const nextVideo = () => aVideo({ videoId: `vid_${String(++videoCounter).padStart(26, '0')}` });
const request = (prompt: string, key = 'key-1'): IdempotentRequest => ({
  userId: 'alice',
  key,
  operation: 'create-video',
  request: { prompt },
});
const guardOf = (prompt: string, key = 'key-1') => ({ key, requestHash: requestHashOf(request(prompt, key)) });

freshTableEachTest((localTable, newTable) => {
  local = localTable;
  table = newTable;
  billing = new DynamoBilling(local.documents, table, new DynamoLimitsStore(local.documents, table, DEFAULTS));
  guards = new DynamoIdempotencyGuards(local.documents, table);
  started = [];
  deps = {
    money: billing,
    guards,
    videos: new DynamoVideoRepository(local.documents, table),
    pipeline: {
      start: async (input) => {
        started.push(input);
      },
    },
    clock: () => NOW,
    logger: fakeLogger(),
  };
});

describe('idempotency-guard', () => {
  it('returns after claiming the key for the video in the reserve transaction', async () => {
    const video = nextVideo();

    await billing.reserve(video, NOW, guardOf('A cat'));

    expect(await get(idempotencyGuardKey('alice', 'key-1'))).toMatchObject({
      videoId: video.videoId,
      requestHash: requestHashOf(request('A cat')),
      createdAt: NOW_S,
      expiresAt: NOW_S + IDEMPOTENCY_GUARD_SECONDS,
    });
    expect(await guards.find('alice', 'key-1')).toMatchObject({ videoId: video.videoId });
  });

  it('throws IdempotencyKeyClaimedError and writes nothing when the key is claimed already', async () => {
    const first = nextVideo();
    const second = nextVideo();
    await billing.reserve(first, NOW, guardOf('A cat'));

    await expect(billing.reserve(second, NOW, guardOf('A cat'))).rejects.toBeInstanceOf(IdempotencyKeyClaimedError);

    expect(await get(videoKey(second.videoId))).toBeUndefined();
    expect(await get(usageKey('alice', '2026-11'))).toMatchObject({ reservedMicros: first.estimatedMicros });
    expect(await get(activeKey('alice'))).toMatchObject({ activeCount: 1 });
  });

  it('throws IdempotencyKeyClaimedError rather than 402 when the claimed key’s video used the last of the budget', async () => {
    const first = nextVideo();
    await local.documents.send(
      new UpdateCommand({
        TableName: table,
        Key: { pk: 'USER#alice', sk: 'LIMITS' },
        UpdateExpression: 'SET budgetMicros = :budget',
        ExpressionAttributeValues: { ':budget': first.estimatedMicros },
      }),
    );
    await billing.reserve(first, NOW, guardOf('A cat'));

    await expect(billing.reserve(nextVideo(), NOW, guardOf('A cat'))).rejects.toBeInstanceOf(
      IdempotencyKeyClaimedError,
    );
    await expect(billing.reserve(nextVideo(), NOW)).rejects.toBeInstanceOf(BudgetExceededError);
  });

  it('returns after overwriting a claim older than 24 hours', async () => {
    const first = nextVideo();
    const second = nextVideo();
    await billing.reserve(first, NOW, guardOf('A cat'));
    const later = new Date(NOW.getTime() + (IDEMPOTENCY_GUARD_SECONDS + 1) * 1000);

    await billing.reserve(second, later, guardOf('A cat'));

    expect(await guards.find('alice', 'key-1')).toMatchObject({ videoId: second.videoId });
  });

  it('returns the first video, one reservation and the same execution started again when a keyed admission is repeated', async () => {
    // The first invocation reserved and started, then died before Powertools recorded its response.
    const first = nextVideo();
    await admitVideo(first, NOW, deps, request('A cat'));

    const again = await admitVideo(nextVideo(), NOW, deps, request('A cat'));

    expect(again).toMatchObject({ replayed: true, video: { videoId: first.videoId, status: 'queued' } });
    expect(await get(usageKey('alice', '2026-11'))).toMatchObject({ reservedMicros: first.estimatedMicros });
    expect(await get(activeKey('alice'))).toMatchObject({ activeCount: 1 });
    expect(started).toEqual([
      { videoId: first.videoId, userId: 'alice' },
      { videoId: first.videoId, userId: 'alice' },
    ]);
  });

  it('returns a new video for the key when the first one could not be started and was released', async () => {
    const first = nextVideo();
    const broken = { ...deps, pipeline: { start: () => Promise.reject(new Error('states unavailable')) } };
    await expect(admitVideo(first, NOW, broken, request('A cat'))).rejects.toThrow('states unavailable');
    const second = nextVideo();

    const retried = await admitVideo(second, NOW, deps, request('A cat'));

    expect(retried).toMatchObject({ replayed: false, video: { videoId: second.videoId } });
    expect(await get(videoKey(first.videoId))).toMatchObject({ status: 'failed', settlement: 'released' });
    expect(await guards.find('alice', 'key-1')).toMatchObject({ videoId: second.videoId });
    expect(started).toEqual([{ videoId: second.videoId, userId: 'alice' }]);
  });

  it('throws 409 idempotency_key_reused and reserves nothing when the key is repeated with another request', async () => {
    const first = nextVideo();
    await admitVideo(first, NOW, deps, request('A cat'));
    const second = nextVideo();

    const other = admitVideo(second, NOW, deps, request('A dog'));

    await expect(other).rejects.toMatchObject({ status: 409, code: 'idempotency_key_reused' });
    expect(await get(videoKey(second.videoId))).toBeUndefined();
    expect(await get(activeKey('alice'))).toMatchObject({ activeCount: 1 });
    expect(started).toHaveLength(1);
  });
});

import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import {
  awsCostOf,
  awsPricesEnvSchema,
  DEFAULT_AWS_UNIT_PRICES,
  s3PutRequestsFor,
} from '../../../shared/money/aws-cost';
import { meterTaskWork, type TaskWork } from '../../../shared/pipeline/work-meter';
import { fakeLogger } from '../fakes/fakes';

function lambdaContext(memoryMb: number, remaining: () => number): Context {
  return { memoryLimitInMB: String(memoryMb), getRemainingTimeInMillis: remaining } as unknown as Context;
}

describe('AWS-side cost', () => {
  it('returns the priced work in whole micros with the figures it used', () => {
    const cost = awsCostOf({
      taskInvocations: 10,
      pollInvocations: 6,
      lambdaMbMillis: 1024 * 1000 * 4,
      s3PutRequests: 3,
      s3Bytes: 2_000_000,
    });

    // 10 + 2 × 6 + 2 = 24 transitions × 25 = 600; 4 GB-s × 13.3334 = 53.33; 10 × 0.2 = 2; 3 × 5 = 15; 2 MB-month 46
    expect(cost).toEqual({
      micros: 716,
      priceVersion: DEFAULT_AWS_UNIT_PRICES.version,
      stateTransitions: 24,
      lambdaGbSeconds: 4,
      lambdaRequests: 10,
      s3PutRequests: 3,
      s3Bytes: 2_000_000,
    });
  });

  it('counts one PutObject up to the part size and create + parts + complete above it', () => {
    expect(s3PutRequestsFor(undefined)).toBe(1);
    expect(s3PutRequestsFor(5 * 1024 * 1024)).toBe(1);
    expect(s3PutRequestsFor(12 * 1024 * 1024)).toBe(5);
  });

  it('returns the defaults without AWS_UNIT_PRICES and rejects a malformed table', () => {
    expect(awsPricesEnvSchema().parse({}).AWS_UNIT_PRICES).toEqual(DEFAULT_AWS_UNIT_PRICES);
    expect(awsPricesEnvSchema().safeParse({ AWS_UNIT_PRICES: '{"version":1}' }).success).toBe(false);
  });

  it('records duration × memory after a task succeeds or fails and never fails the task itself', async () => {
    const recorded: Array<{ videoId: string; work: TaskWork }> = [];
    let remaining = 60_000;
    const meter = {
      record: vi.fn(async (videoId: string, work: TaskWork) => {
        recorded.push({ videoId, work });
        if (recorded.length === 2) throw new Error('table unavailable');
      }),
    };
    const logger = fakeLogger();
    const handler = middy<{ videoId: string; fail?: boolean }, string>()
      .use(meterTaskWork({ meter, poll: true, logger }))
      .handler(async (event) => {
        remaining -= 250;
        if (event.fail) throw new Error('task failed');
        return 'ok';
      });

    await expect(
      handler(
        { videoId: 'vid_1' },
        lambdaContext(512, () => remaining),
      ),
    ).resolves.toBe('ok');
    await expect(
      handler(
        { videoId: 'vid_2', fail: true },
        lambdaContext(512, () => remaining),
      ),
    ).rejects.toThrow('task failed');

    expect(recorded).toEqual([
      { videoId: 'vid_1', work: { poll: true, durationMs: 250, memoryMb: 512 } },
      { videoId: 'vid_2', work: { poll: true, durationMs: 250, memoryMb: 512 } },
    ]);
    expect(logger.warn).toHaveBeenCalledTimes(1);
  });
});

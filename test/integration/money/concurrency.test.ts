import { describe, expect, it } from 'vitest';
import { callApi, emulator, eventually, waitForTerminalVideo } from '../../helpers/api';
import { useLocalStack } from '../../helpers/local-stack';
import { currentMonth, setLimits, uniqueUser, usageOf } from './money-api';

// Budgets and quotas under concurrency, through the HTTP API against the local stack (one DynamoDB Local, the
// create-video handler reserving in one transaction per request).
const stack = useLocalStack();
const ESTIMATE = 400_000; // sora-2, 4 s, $0.10/s

async function createMany(token: string, count: number, label: string) {
  return Promise.all(
    Array.from({ length: count }, (_, index) =>
      callApi(stack, '/v1/videos', { method: 'POST', token, json: { prompt: `${label} concurrent #${index}` } }),
    ),
  );
}

describe('money: budgets and quotas under concurrency', () => {
  it('accepts exactly 10 of 100 simultaneous creates and answers 402 to the rest when the budget covers 10', async () => {
    const finance = await stack.token(uniqueUser('finance'), ['finance']);
    const userId = uniqueUser('budget');
    const token = await stack.token(userId);
    await setLimits(stack, finance, userId, { budget_micros: 10 * ESTIMATE, max_active: 1000, max_per_day: 1000 });
    // The accepted videos' provider jobs never finish (every prompt contains the unique user id), so their
    // reservations stay held, uncharged, until the videos are cancelled below.
    await emulator.faults(stack, { never_finish: { match: userId, count: 10 } });

    const replies = await createMany(token, 100, userId);

    const accepted = replies.filter((reply) => reply.status === 202);
    const rejected = replies.filter((reply) => reply.status === 402);
    expect({ accepted: accepted.length, rejected: rejected.length }).toEqual({ accepted: 10, rejected: 90 });
    for (const reply of rejected) expect(reply.body.error.code).toBe('budget_exceeded');
    const held = await usageOf(stack, token);
    expect(held).toMatchObject({
      reserved_micros: 10 * ESTIMATE,
      charged_micros: 0,
      active_videos: 10,
      budget_micros: 10 * ESTIMATE,
    });

    // Clean up: cancel every video (a video the pipeline already gave up on answers 409); the provider had accepted
    // their jobs, so the reservations stay held until the jobs end at the provider: they fail there, and the
    // reconciler releases them at 0.
    for (const reply of accepted) {
      const cancel = await callApi(stack, `/v1/videos/${reply.body.id}/cancel`, { method: 'POST', token, json: {} });
      expect([200, 409], JSON.stringify(cancel.body)).toContain(cancel.status);
    }
    await Promise.all(accepted.map((reply) => waitForTerminalVideo(stack, token, reply.body.id, 120_000)));
    await emulator.finish(stack, { match: userId, status: 'failed', code: 'internal_error' });
    const videos = await Promise.all(
      accepted.map((reply) =>
        eventually(
          `video ${reply.body.id} settled`,
          async () => {
            const video = await callApi(stack, `/v1/videos/${reply.body.id}`, { token });
            return video.body.cost.charged_micros === null ? undefined : video.body;
          },
          { timeoutMs: 120_000, intervalMs: 250 },
        ),
      ),
    );
    expect(videos.map((video) => video.cost.charged_micros)).toEqual(Array(10).fill(0));
    const after = await usageOf(stack, token, currentMonth());
    expect(after).toMatchObject({ charged_micros: 0, reserved_micros: 0, active_videos: 0 });
  }, 180_000);

  it('accepts exactly max_active of 100 simultaneous creates and answers 429 with Retry-After to the rest', async () => {
    const finance = await stack.token(uniqueUser('finance'), ['finance']);
    const userId = uniqueUser('active');
    const token = await stack.token(userId);
    await setLimits(stack, finance, userId, { budget_micros: 1_000 * ESTIMATE, max_active: 10, max_per_day: 1000 });

    const replies = await createMany(token, 100, userId);

    const accepted = replies.filter((reply) => reply.status === 202);
    const limited = replies.filter((reply) => reply.status === 429);
    expect({ accepted: accepted.length, limited: limited.length }).toEqual({ accepted: 10, limited: 90 });
    for (const reply of limited) {
      expect(reply.body.error.code).toBe('quota_exceeded');
      expect(Number(reply.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    const usage = await usageOf(stack, token);
    expect(usage.reserved_micros + usage.charged_micros).toBe(10 * ESTIMATE);

    await Promise.all(accepted.map((reply) => waitForTerminalVideo(stack, token, reply.body.id, 120_000)));
    const after = await usageOf(stack, token);
    expect(after).toMatchObject({ reserved_micros: 0, charged_micros: 10 * ESTIMATE, active_videos: 0 });
  }, 180_000);

  it('answers 429 with Retry-After until UTC midnight once max_per_day videos were created today', async () => {
    const finance = await stack.token(uniqueUser('finance'), ['finance']);
    const userId = uniqueUser('daily');
    const token = await stack.token(userId);
    await setLimits(stack, finance, userId, { max_per_day: 2 });

    const first = await createMany(token, 2, userId);
    const third = await callApi(stack, '/v1/videos', { method: 'POST', token, json: { prompt: `${userId} third` } });

    expect(first.map((reply) => reply.status)).toEqual([202, 202]);
    expect(third.status).toBe(429);
    expect(third.body.error.code).toBe('quota_exceeded');
    const now = new Date();
    const toMidnight = (Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1) - now.getTime()) / 1000;
    expect(Math.abs(Number(third.headers.get('retry-after')) - toMidnight)).toBeLessThan(120);
    await Promise.all(first.map((reply) => waitForTerminalVideo(stack, token, reply.body.id, 120_000)));
  }, 180_000);

  it('answers 403 forbidden on the finance routes without the role and 400 on a bad limits body', async () => {
    const token = await stack.token(uniqueUser('nobody'));
    const finance = await stack.token(uniqueUser('finance'), ['finance']);

    const costs = await callApi(stack, '/v1/admin/costs', { token });
    const limits = await callApi(stack, '/v1/admin/users/someone/limits', { token });
    const put = await callApi(stack, '/v1/admin/users/someone/limits', {
      method: 'PUT',
      token,
      json: { max_active: 1 },
    });
    const invalid = await callApi(stack, '/v1/admin/users/someone/limits', {
      method: 'PUT',
      token: finance,
      json: { max_active: -1 },
    });

    expect([costs.status, limits.status, put.status]).toEqual([403, 403, 403]);
    expect(costs.body.error.code).toBe('forbidden');
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.param).toBe('max_active');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { microsToDollars } from '../../../shared/money/csv';
import { callApi, emulator, eventually, waitForTerminalVideo } from '../../helpers/api';
import { type LocalStackProcess, startLocalStackProcess } from '../../helpers/local-stack';
import { checkMoneyInvariants, currentMonth } from '../../helpers/money-invariants';
import { seededRandom, seedFrom } from '../../helpers/random';
import { setLimits, uniqueUser, usageOf } from './money-api';

/*
 * A randomized run through the whole local stack: 10 users × MONEY_RANDOM_VIDEOS_PER_USER videos (6 in `npm test`;
 * `npm run bench -- money` runs 20 each, 200 videos) with injected provider failures,
 * never-finishing jobs (cancelled, or timed out), dropped downloads (retried) and random cancels racing the
 * pipeline, while the local engine runs EVERY Task state twice (LOCAL_TASK_REPEAT=2: an at-least-once delivery
 * of each step). Once all are terminal and settled the money must add up: ledger = monthly aggregates = charged
 * videos, no video charged twice, failed charged 0, cancelled 0 or (provider finished the job) its price once,
 * nothing reserved or active; alongside, CHAIN_USERS users extend a video and then edit, remix and extend the
 * extension, each priced at what the provider generates (checkMoneyInvariants). It runs on its own stack
 * (its emulator faults and task repetition must not touch other tests).
 */

const USERS = 10;
const VIDEOS_PER_USER = Number(process.env.MONEY_RANDOM_VIDEOS_PER_USER ?? 6);
const SEED = seedFrom(process.env.MONEY_RANDOM_SEED);
/** Users who also make derived videos of an extension: a video, its extension, then an edit, a remix and an extension of that. */
const CHAIN_USERS = 3;
const CHAIN_VIDEOS = 5;

type Kind = 'normal' | 'fail' | 'drop' | 'never-cancel' | 'never-timeout' | 'cancel-race';
const MARKERS: Record<Kind, string> = {
  normal: '',
  fail: 'FAILGEN',
  drop: 'DROPDL',
  'never-cancel': 'NEVERDONE',
  'never-timeout': 'NEVERDONE',
  'cancel-race': '',
};

let stack: LocalStackProcess;

beforeAll(async () => {
  stack = await startLocalStackProcess({
    // Every function shares the stack's one process: 200 videos (the bench's size) with every task run twice would otherwise hit
    // 10 s API timeouts that a Lambda with its own sandbox never would.
    env: { LOCAL_TASK_REPEAT: '2', EMULATOR_JOB_MS: '1500', LOCAL_WAIT_MS: '50', LOCAL_LAMBDA_TIMEOUT_FACTOR: '6' },
  });
  await emulator.faults(stack, {
    fail_generation: { match: MARKERS.fail, code: 'moderation_blocked' },
    never_finish: { match: MARKERS['never-cancel'] },
    drop_download_after_bytes: { match: MARKERS.drop, bytes: 2048, count: 60 },
  });
});
afterAll(async () => {
  await stack?.stop();
});

describe('money: randomized run through the local stack', () => {
  it(`adds up after ${USERS * VIDEOS_PER_USER + CHAIN_USERS * CHAIN_VIDEOS} videos over ${USERS} users with faults, cancels and every task run twice (seed ${SEED})`, async () => {
    const rand = seededRandom(SEED);
    const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)]!;
    const finance = await stack.token(uniqueUser('finance'), ['finance']);
    const users = await Promise.all(
      Array.from({ length: USERS }, async (_, index) => {
        const userId = uniqueUser(`run${index}`);
        await setLimits(stack, finance, userId, { budget_micros: 1_000_000_000, max_active: 50, max_per_day: 1000 });
        return { userId, token: await stack.token(userId) };
      }),
    );
    // The first videos take every kind once, so a small run still covers each fault; the rest are drawn.
    const everyKind = Object.keys(MARKERS) as Kind[];
    let planned = 0;
    const plan = users.flatMap((user) =>
      Array.from({ length: VIDEOS_PER_USER }, (_, index) => {
        const roll = rand();
        const kind: Kind =
          everyKind[planned++] ??
          (roll < 0.55
            ? 'normal'
            : roll < 0.67
              ? 'fail'
              : roll < 0.79
                ? 'drop'
                : roll < 0.85
                  ? 'never-cancel'
                  : roll < 0.88
                    ? 'never-timeout'
                    : 'cancel-race');
        const pro = rand() < 0.4;
        return {
          user,
          kind,
          body: {
            prompt: `${MARKERS[kind]} ${user.userId} #${index}`.trim(),
            model: pro ? 'sora-2-pro' : 'sora-2',
            seconds: pick(['4', '8', '12'] as const),
            size: pro ? pick(['720x1280', '1024x1792'] as const) : '720x1280',
          },
          cancelAfterMs: Math.floor(rand() * 4000),
        };
      }),
    );

    // Derived videos of extensions, made alongside: each step waits for its source to complete (its lengths drawn now,
    // so the seed decides them). An edit and a remix regenerate the extension's stitched length; the second extension
    // counts it against the 20 seconds.
    const chainLengths = users.slice(0, CHAIN_USERS).map(() => [pick(['4', '8'] as const), pick(['4', '8'] as const)]);
    const chains = Promise.all(
      users.slice(0, CHAIN_USERS).map(async (user, index) => {
        const [firstSeconds, lastSeconds] = chainLengths[index]!;
        const post = async (path: string, json: Record<string, unknown>) => {
          const reply = await callApi(stack, path, { method: 'POST', token: user.token, json });
          expect(reply.status, `${path}: ${JSON.stringify(reply.body)}`).toBe(202);
          return reply.body.id as string;
        };
        const completed = async (id: string) => {
          const video = await waitForTerminalVideo(stack, user.token, id, 600_000);
          expect(video.status, JSON.stringify(video)).toBe('completed');
        };
        const first = await post('/v1/videos', { prompt: `${user.userId} chain`, seconds: firstSeconds });
        await completed(first);
        const extension = await post('/v1/videos/extensions', {
          video: { id: first },
          prompt: `${user.userId} chain extended`,
          seconds: '4',
        });
        await completed(extension);
        await Promise.all([
          post('/v1/videos/edits', { video: { id: extension }, prompt: `${user.userId} chain edited` }),
          post(`/v1/videos/${extension}/remix`, { prompt: `${user.userId} chain remixed` }),
          post('/v1/videos/extensions', {
            video: { id: extension },
            prompt: `${user.userId} chain extended again`,
            seconds: lastSeconds,
          }),
        ]);
      }),
    );

    // Create with bounded concurrency; cancels are fired at random moments, racing the pipeline.
    const created: Array<{ id: string; userId: string; token: string; kind: Kind; estimate: number }> = [];
    const cancels: Array<Promise<number>> = [];
    const queue = [...plan];
    await Promise.all(
      Array.from({ length: 12 }, async () => {
        for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
          const { user, body, kind, cancelAfterMs } = next;
          const reply = await callApi(stack, '/v1/videos', { method: 'POST', token: user.token, json: body });
          expect(reply.status, JSON.stringify(reply.body)).toBe(202);
          const id = reply.body.id as string;
          created.push({
            id,
            userId: user.userId,
            token: user.token,
            kind,
            estimate: reply.body.cost.estimated_micros,
          });
          if (kind === 'never-cancel' || kind === 'cancel-race') {
            cancels.push(
              new Promise((resolve) => setTimeout(resolve, kind === 'never-cancel' ? 500 : cancelAfterMs)).then(
                async () =>
                  (await callApi(stack, `/v1/videos/${id}/cancel`, { method: 'POST', token: user.token, json: {} }))
                    .status,
              ),
            );
          }
        }
      }),
    );
    const cancelStatuses = await Promise.all(cancels);
    await chains;
    expect(
      cancelStatuses.every((status) => status === 200 || status === 409),
      String(cancelStatuses),
    ).toBe(true);

    // Wait (with a deadline) until every video of every user is terminal, then until its money is settled: a video
    // cancelled after the provider accepted its job waits for the job's outcome (charged_micros null until then).
    // The never-finishing jobs are ended (failed) at the provider once every video is terminal, so those cancelled
    // ones settle at 0.
    const terminal = new Set(['completed', 'failed', 'cancelled']);
    // biome-ignore lint/suspicious/noExplicitAny: video resources as JSON
    const videosByUser = new Map<string, any[]>();
    await eventually(
      'every video reaching a terminal status',
      async () => {
        for (const user of users) {
          const list = await callApi(stack, '/v1/videos?limit=100', { token: user.token });
          videosByUser.set(user.userId, list.body.data);
        }
        const all = [...videosByUser.values()].flat();
        return all.length === plan.length + CHAIN_USERS * CHAIN_VIDEOS &&
          all.every((video) => terminal.has(video.status))
          ? true
          : undefined;
      },
      { timeoutMs: 900_000, intervalMs: 3000 },
    );
    await emulator.finish(stack, { match: MARKERS['never-cancel'], status: 'failed', code: 'internal_error' });
    await eventually(
      'every video settled',
      async () => {
        for (const user of users) {
          const list = await callApi(stack, '/v1/videos?limit=100', { token: user.token });
          videosByUser.set(user.userId, list.body.data);
        }
        return [...videosByUser.values()].flat().every((video) => video.cost.charged_micros !== null)
          ? true
          : undefined;
      },
      { timeoutMs: 300_000, intervalMs: 3000 },
    );
    const videos = [...videosByUser.values()].flat();
    const statuses = videos.reduce<Record<string, number>>((counts, video) => {
      counts[video.status] = (counts[video.status] ?? 0) + 1;
      return counts;
    }, {});
    // The faults did happen: every outcome is represented.
    expect(statuses.completed ?? 0).toBeGreaterThan(0);
    expect(statuses.failed ?? 0).toBeGreaterThan(0);
    expect(statuses.cancelled ?? 0).toBeGreaterThan(0);
    expect(videos.some((video) => video.error?.code === 'timed_out')).toBe(true);

    // Ledger = monthly aggregates = charged videos, per user and in total; nothing reserved or active.
    const money = await checkMoneyInvariants(stack, finance, users, videosByUser);
    expect(money.problems).toEqual([]);
    // Failed videos are charged 0; a cancelled one 0, or its price once when the provider finished (billed) its job
    // after the cancel; the never-finishing jobs cancelled were ended failed at the provider: 0.
    const kindOf = new Map(created.map((entry) => [entry.id, entry.kind]));
    for (const video of videos) {
      if (video.status === 'failed') expect(video.cost.charged_micros, `${video.id} failed`).toBe(0);
      if (video.status === 'cancelled') {
        expect([0, video.cost.estimated_micros], `${video.id} cancelled`).toContain(video.cost.charged_micros);
        if (kindOf.get(video.id) === 'never-cancel') expect(video.cost.charged_micros, video.id).toBe(0);
      }
    }
    expect(money.awsCostMicros).toBeGreaterThan(0);
    const videoTotal = money.chargedMicros;
    // Every Task did run twice: each completed video's three variants were downloaded by two StoreVideoInS3 runs.
    const provider = await emulator.jobs(stack);
    expect(provider.requests?.content ?? 0).toBeGreaterThanOrEqual(2 * 3 * (statuses.completed ?? 0));
    const cancelCounts = cancelStatuses.reduce<Record<number, number>>((counts, status) => {
      counts[status] = (counts[status] ?? 0) + 1;
      return counts;
    }, {});
    console.info(
      `money randomized run (seed ${SEED}): ${JSON.stringify(statuses)}, charged ${microsToDollars(videoTotal)} USD, ` +
        `provider costs ${money.providerCostMicros} micros, ` +
        `AWS-side ${money.awsCostMicros} micros, cancel answers ${JSON.stringify(cancelCounts)}, ` +
        `provider creates ${provider.create_requests}, provider requests ${JSON.stringify(provider.requests)}`,
    );
  }, 1_200_000);

  it('records the provider cost and charges the user 0 when a video the provider finished cannot be stored', async () => {
    const userId = uniqueUser('store-fails');
    const token = await stack.token(userId);
    const finance = await stack.token(uniqueUser('finance'), ['finance']);
    const prompt = `STOREFAIL ${userId}`;
    // Every download of this job breaks off: StoreVideoInS3 exhausts its retries after the provider finished.
    await emulator.faults(stack, { drop_download_after_bytes: { match: 'STOREFAIL', bytes: 100, count: 1000 } });

    const created = await callApi(stack, '/v1/videos', { method: 'POST', token, json: { prompt, seconds: '8' } });
    expect(created.status).toBe(202);
    const video = await waitForTerminalVideo(stack, token, created.body.id, 300_000);

    expect(video).toMatchObject({ status: 'failed', cost: { estimated_micros: 800_000, charged_micros: 0 } });
    const month = currentMonth();
    const costs = await callApi(stack, `/v1/admin/costs?month=${month}&user_id=${userId}`, { token: finance });
    expect(costs.body).toMatchObject({
      data: [],
      provider_costs: [{ video_id: video.id, provider_cost_micros: 800_000, video_status: 'storing' }],
      totals: { charged_micros: 0, provider_cost_micros: 800_000 },
    });
    expect(await usageOf(stack, token, month)).toMatchObject({
      charged_micros: 0,
      reserved_micros: 0,
      active_videos: 0,
    });
  }, 600_000);
});

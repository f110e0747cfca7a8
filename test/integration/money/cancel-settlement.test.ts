import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { callApi, emulator, eventually } from '../../helpers/api';
import { type LocalStackClient, useLocalStack } from '../../helpers/local-stack';
import { currentMonth, setLimits, uniqueUser, usageOf } from './money-api';

/*
 * Cancel after the provider accepted the job, through the HTTP API: the video answers `cancelled` at once with
 * `charged_micros` null and frees its `max_active` slot, but its reservation stays held until the scheduled
 * reconciler (reconcile-work-items, every LOCAL_SCHEDULE_MS = 1 s) settles it from the provider's outcome. The
 * provider jobs here never finish on their own (the emulator's `never_finish` fault, matched by a marker only this
 * file uses), so nothing races the cancel; each test then ends them through the emulator's control route. The
 * emulator, like the real provider, refuses to delete a running job, so the reconciler's stop request is refused
 * and it follows the job. The RECONCILE work items are read from DynamoDB Local directly: no route shows them.
 */

const stack = useLocalStack();
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const dynamodb = new DynamoDBClient({ endpoint: stack.dynamodbEndpoint, region: 'us-east-1', credentials });
const documents = DynamoDBDocumentClient.from(dynamodb);
const NEVER = `CANCELHOLD${Date.now().toString(36)}`;

afterAll(() => {
  dynamodb.destroy();
});

/** The RECONCILE work items of a video other than its deadline watch (the app's table is named after StorageTable). */
async function workItemsOf(videoId: string) {
  const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
  const table = TableNames.find((name) => /StorageTable/.test(name));
  const { Items = [] } = await documents.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      FilterExpression: 'videoId = :videoId AND (attribute_not_exists(kind) OR kind <> :deadline)',
      ExpressionAttributeValues: { ':pk': 'RECONCILE', ':videoId': videoId, ':deadline': 'deadline' },
      ConsistentRead: true,
    }),
  );
  return Items;
}

/**
 * Waits until the reconciler has looked at the held cancel of each video once and found its job running: it asked the
 * provider to stop it (refused) and follows it from then on without asking again. A provider finishing the job while
 * that one stop request is in flight would see it deleted (released at 0): the tests finish jobs after it.
 */
async function followedOnce(videoIds: string[]): Promise<void> {
  for (const videoId of videoIds) {
    await eventually(
      `held cancel of ${videoId} looked at once`,
      async () =>
        (await workItemsOf(videoId)).some((item) => item.kind === 'cancel_settlement' && Number(item.checks) >= 1)
          ? true
          : undefined,
      { timeoutMs: 30_000, intervalMs: 100 },
    );
  }
}

/** How many reconciler runs the local scheduler has finished (`schedule-runs.json` in the stack's data dir). */
async function reconcilerRuns(): Promise<number> {
  const runs = JSON.parse(await readFile(join(stack.dataDir, 'schedule-runs.json'), 'utf8')) as Record<string, number>;
  const rules = Object.keys(runs).filter((rule) => /Reconcil/i.test(rule));
  expect(rules, `reconciler rules among ${Object.keys(runs).join(', ')}`).toHaveLength(1);
  return runs[rules[0]!]!;
}

/** Waits for `count` more reconciler runs to finish (so at least `count - 1` started after this call). */
async function moreReconcilerRuns(count: number): Promise<void> {
  const runsSoFar = await reconcilerRuns();
  await eventually(
    `${count} more reconciler runs`,
    async () => ((await reconcilerRuns()) >= runsSoFar + count ? true : undefined),
    { timeoutMs: 30_000, intervalMs: 100 },
  );
}

/** Creates a video whose provider job never finishes on its own; returns it once the provider accepted the job. */
async function createAccepted(client: LocalStackClient, token: string, prompt: string): Promise<string> {
  const created = await callApi(client, '/v1/videos', { method: 'POST', token, json: { prompt, seconds: '4' } });
  expect(created.status, JSON.stringify(created.body)).toBe(202);
  const id = created.body.id as string;
  await eventually(
    `video ${id} accepted by the provider`,
    async () => {
      const video = await callApi(client, `/v1/videos/${id}`, { token });
      return video.body.status === 'in_progress' ? true : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 25 },
  );
  return id;
}

async function cancel(client: LocalStackClient, token: string, id: string) {
  const reply = await callApi(client, `/v1/videos/${id}/cancel`, { method: 'POST', token, json: {} });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body;
}

/** The video once its money is settled (charged_micros no longer null). */
function settledVideo(client: LocalStackClient, token: string, id: string) {
  return eventually(
    `video ${id} settled`,
    async () => {
      const video = await callApi(client, `/v1/videos/${id}`, { token });
      return video.body.cost?.charged_micros === null ? undefined : video.body;
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
}

describe('money: cancel after the provider accepted the job (settled by reconcile-work-items)', () => {
  it('charges the price once, as a cancelled video’s charge, when the provider then completes the job', async () => {
    const userId = uniqueUser('cancel-billed');
    const token = await stack.token(userId);
    const finance = await stack.token(uniqueUser('finance'), ['finance']);
    const month = currentMonth();
    const prompt = `${NEVER} billed ${userId}`;
    await emulator.faults(stack, { never_finish: { match: NEVER } });

    const id = await createAccepted(stack, token, prompt);
    const cancelled = await cancel(stack, token, id);
    const heldUsage = await usageOf(stack, token, month);
    // The reconciler asks the provider to stop the job (refused: it is running) and keeps following it.
    await moreReconcilerRuns(2);
    const stillHeld = await callApi(stack, `/v1/videos/${id}`, { token });
    const pending = await workItemsOf(id);
    await emulator.finish(stack, { match: prompt, status: 'completed' });
    const settled = await settledVideo(stack, token, id);
    await eventually(
      `work item of ${id} removed`,
      async () => ((await workItemsOf(id)).length === 0 ? true : undefined),
      {
        timeoutMs: 30_000,
      },
    );
    // More reconciler runs change nothing.
    await moreReconcilerRuns(3);
    const usage = await usageOf(stack, token, month);
    const costs = await callApi(stack, `/v1/admin/costs?month=${month}&user_id=${userId}`, { token: finance });
    const csv = await fetch(`${stack.baseUrl}/v1/admin/costs?month=${month}&user_id=${userId}&format=csv`, {
      headers: { authorization: `Bearer ${finance}` },
    });
    const jobs = await emulator.jobs(stack);

    expect(cancelled).toMatchObject({
      id,
      status: 'cancelled',
      cost: { estimated_micros: 400_000, charged_micros: null },
    });
    expect(heldUsage).toMatchObject({ reserved_micros: 400_000, charged_micros: 0, active_videos: 0 });
    expect(stillHeld.body).toMatchObject({ status: 'cancelled', cost: { charged_micros: null } });
    expect(pending).toMatchObject([{ kind: 'cancel_settlement', videoId: id, providerVideoId: expect.any(String) }]);
    expect(jobs.requests?.delete ?? 0).toBeGreaterThan(0);
    expect(settled).toMatchObject({ status: 'cancelled', content: null, cost: { charged_micros: 400_000 } });
    expect(usage).toMatchObject({
      videos: 1,
      charged_micros: 400_000,
      cancelled_charged_micros: 400_000,
      cancelled_videos: 1,
      reserved_micros: 0,
      active_videos: 0,
    });
    expect(costs.body).toMatchObject({
      data: [{ video_id: id, entry: 'cancelled_charge', amount_micros: 400_000 }],
      provider_costs: [],
      totals: { charged_micros: 400_000, provider_cost_micros: 0 },
    });
    expect(costs.body.data).toHaveLength(1);
    const rows = (await csv.text()).split('\r\n');
    expect(rows.filter((row) => row.startsWith(`${id},`))).toEqual([
      expect.stringMatching(/,0\.400000,.*,cancelled_charge$/),
    ]);
  }, 240_000);

  it('charges 0 and releases the reservation when the provider job then fails', async () => {
    const userId = uniqueUser('cancel-failed');
    const token = await stack.token(userId);
    const finance = await stack.token(uniqueUser('finance'), ['finance']);
    const month = currentMonth();
    const prompt = `${NEVER} failed ${userId}`;
    await emulator.faults(stack, { never_finish: { match: NEVER } });

    const id = await createAccepted(stack, token, prompt);
    const cancelled = await cancel(stack, token, id);
    const heldUsage = await usageOf(stack, token, month);
    await emulator.finish(stack, { match: prompt, status: 'failed', code: 'internal_error' });
    const settled = await settledVideo(stack, token, id);
    await eventually(
      `work item of ${id} removed`,
      async () => ((await workItemsOf(id)).length === 0 ? true : undefined),
      {
        timeoutMs: 30_000,
      },
    );
    const usage = await usageOf(stack, token, month);
    const costs = await callApi(stack, `/v1/admin/costs?month=${month}&user_id=${userId}`, { token: finance });

    expect(cancelled).toMatchObject({ status: 'cancelled', cost: { charged_micros: null } });
    expect(heldUsage).toMatchObject({ reserved_micros: 400_000, active_videos: 0 });
    expect(settled).toMatchObject({ status: 'cancelled', cost: { charged_micros: 0 } });
    expect(usage).toMatchObject({
      charged_micros: 0,
      cancelled_charged_micros: 0,
      reserved_micros: 0,
      active_videos: 0,
    });
    expect(costs.body).toMatchObject({
      data: [],
      provider_costs: [],
      totals: { charged_micros: 0, provider_cost_micros: 0 },
    });
  }, 240_000);

  it('bounds the provider-billed work of a create → cancel loop by the budget', async () => {
    const userId = uniqueUser('cancel-loop');
    const token = await stack.token(userId);
    const finance = await stack.token(uniqueUser('finance'), ['finance']);
    const month = currentMonth();
    const marker = `${NEVER} loop ${userId}`;
    // Room for three 4 s sora-2 videos (400,000 each); max_active would allow many more.
    await setLimits(stack, finance, userId, { budget_micros: 1_200_000, max_active: 50 });
    await emulator.faults(stack, { never_finish: { match: NEVER } });

    const cancelledIds: string[] = [];
    let refusal: { status: number; code?: string } | undefined;
    for (let round = 1; round <= 6 && refusal === undefined; round++) {
      const created = await callApi(stack, '/v1/videos', {
        method: 'POST',
        token,
        json: { prompt: `${marker} round ${round}`, seconds: '4' },
      });
      if (created.status !== 202) {
        refusal = { status: created.status, code: created.body?.error?.code };
        break;
      }
      const id = created.body.id as string;
      await eventually(
        `video ${id} accepted by the provider`,
        async () =>
          (await callApi(stack, `/v1/videos/${id}`, { token })).body.status === 'in_progress' ? true : undefined,
        { timeoutMs: 30_000, intervalMs: 25 },
      );
      await cancel(stack, token, id);
      cancelledIds.push(id);
    }
    const heldUsage = await usageOf(stack, token, month);
    await followedOnce(cancelledIds);
    // The provider finishes (and bills) every job it was given.
    await emulator.finish(stack, { match: marker, status: 'completed' });
    const settled = await Promise.all(cancelledIds.map((id) => settledVideo(stack, token, id)));
    const usage = await usageOf(stack, token, month);
    const billedJobs = (await emulator.jobs(stack)).data.filter(
      (job) => job.prompt.startsWith(marker) && job.status === 'completed',
    );

    expect(refusal).toEqual({ status: 402, code: 'budget_exceeded' });
    expect(cancelledIds).toHaveLength(3);
    expect(heldUsage).toMatchObject({ reserved_micros: 1_200_000, charged_micros: 0, active_videos: 0 });
    expect(billedJobs).toHaveLength(3);
    expect(billedJobs.length * 400_000).toBeLessThanOrEqual(1_200_000);
    expect(settled.map((video) => video.cost.charged_micros)).toEqual([400_000, 400_000, 400_000]);
    expect(usage).toMatchObject({ charged_micros: 1_200_000, reserved_micros: 0, cancelled_videos: 3 });
  }, 240_000);
  it('erases a user whose video is running: cancelled first and held, then charged its price once when the provider completes the job', async () => {
    const userId = uniqueUser('erase-running');
    const token = await stack.token(userId);
    const finance = await stack.token(uniqueUser('finance'), ['finance']);
    const month = currentMonth();
    const prompt = `${NEVER} erased ${userId}`;
    await emulator.faults(stack, { never_finish: { match: NEVER } });
    const id = await createAccepted(stack, token, prompt);

    const erasure = await callApi(stack, `/v1/admin/users/${userId}`, { method: 'DELETE', token: finance });
    const completed = await eventually(
      `erasure of ${userId} completed`,
      async () => {
        const reply = await callApi(stack, `/v1/admin/users/${userId}`, { method: 'DELETE', token: finance });
        return reply.body.status === 'completed' ? reply.body : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    const gone = await callApi(stack, `/v1/videos/${id}`, { token });
    const heldUsage = await usageOf(stack, token, month);
    // The provider still holds the running job: the held cancel's settlement follows it.
    const stillThere = (await emulator.jobs(stack)).data.filter((job) => job.prompt === prompt);
    await followedOnce([id]);
    await emulator.finish(stack, { match: prompt, status: 'completed' });
    await eventually(
      `work items of ${id} done`,
      async () => ((await workItemsOf(id)).length === 0 ? true : undefined),
      { timeoutMs: 60_000 },
    );
    const jobs = (await emulator.jobs(stack)).data.filter((job) => job.prompt === prompt);
    const usage = await usageOf(stack, token, month);
    const costs = await callApi(stack, `/v1/admin/costs?month=${month}&user_id=${userId}`, { token: finance });

    expect(erasure.status).toBe(202);
    expect(completed).toMatchObject({ id: erasure.body.id, videos_cancelled: 1, videos_erased: 1 });
    expect(gone.status).toBe(404);
    expect(heldUsage).toMatchObject({ reserved_micros: 400_000, charged_micros: 0, active_videos: 0 });
    expect(stillThere).toMatchObject([{ status: 'in_progress' }]);
    // Settled from the provider's outcome before its copy was deleted: the erasure did not dodge the charge.
    expect(jobs).toEqual([]);
    expect(usage).toMatchObject({ charged_micros: 400_000, cancelled_charged_micros: 400_000, reserved_micros: 0 });
    expect(costs.body).toMatchObject({
      data: [{ video_id: id, entry: 'cancelled_charge', amount_micros: 400_000 }],
      totals: { charged_micros: 400_000 },
    });
  }, 240_000);
});

describe('money: cancel while the provider create is in flight (held, settled by reconcile-work-items)', () => {
  it('holds the cancel with charged_micros null, then charges the price once when the provider completes the job', async () => {
    const userId = uniqueUser('cancel-in-flight');
    const token = await stack.token(userId);
    const month = currentMonth();
    const prompt = `INFLIGHT${Date.now().toString(36)} ${userId}`;
    // The provider stores (and runs) the job at once but answers its create only 5 s later.
    await emulator.faults(stack, { delay_create_answer: { match: prompt, ms: 5_000 } });

    const created = await callApi(stack, '/v1/videos', { method: 'POST', token, json: { prompt, seconds: '4' } });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const id = created.body.id as string;
    await eventually(
      `create of ${id} at the provider`,
      async () => ((await emulator.jobs(stack)).data.some((job) => job.prompt === prompt) ? true : undefined),
      { timeoutMs: 30_000, intervalMs: 25 },
    );
    const cancelled = await cancel(stack, token, id);
    const heldUsage = await usageOf(stack, token, month);
    // The create's late answer records the job on the held cancel and makes its settlement due at once (without it,
    // the settlement would look for the job only once the create has surely ended: ORPHAN_SEARCH_DELAY_SECONDS).
    const settled = await eventually(
      `video ${id} settled`,
      async () => {
        const video = await callApi(stack, `/v1/videos/${id}`, { token });
        return video.body.cost?.charged_micros === null ? undefined : video.body;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    const usage = await usageOf(stack, token, month);
    const jobs = (await emulator.jobs(stack)).data.filter((job) => job.prompt === prompt);

    expect(cancelled).toMatchObject({
      id,
      status: 'cancelled',
      cost: { estimated_micros: 400_000, charged_micros: null },
    });
    expect(heldUsage).toMatchObject({ reserved_micros: 400_000, charged_micros: 0, active_videos: 0 });
    expect(jobs).toMatchObject([{ status: 'completed' }]);
    expect(settled).toMatchObject({ status: 'cancelled', content: null, cost: { charged_micros: 400_000 } });
    expect(usage).toMatchObject({ charged_micros: 400_000, cancelled_videos: 1, reserved_micros: 0, active_videos: 0 });
  }, 120_000);

  it('releases the cancel at 0 once the create has surely ended when the create answered 5xx without making a job', async () => {
    const userId = uniqueUser('cancel-after-5xx');
    const token = await stack.token(userId);
    const month = currentMonth();
    const prompt = `HELD5XX${Date.now().toString(36)} ${userId}`;
    // Every create of this prompt answers 500 and makes no job: the attempt stays unresolved (a 5xx may follow a job).
    await emulator.faults(stack, { error_burst: { status: 500, count: 3, match: prompt } });

    const created = await callApi(stack, '/v1/videos', { method: 'POST', token, json: { prompt, seconds: '4' } });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const id = created.body.id as string;
    await eventually(
      `the first 500 to the create of ${id}`,
      async () => {
        const faults = (await (await fetch(`${stack.emulatorOrigin}/__emulator/faults`)).json()) as {
          faults: { error_burst?: { count: number } };
        };
        return (faults.faults.error_burst?.count ?? 0) < 3 ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 20 },
    );
    // Lands while the create's retry waits: held, since the attempt is recorded and unresolved.
    const cancelled = await cancel(stack, token, id);
    // The settlement's first look (ORPHAN_SEARCH_DELAY_SECONDS after the cancel) finds no job: released at 0 then, not
    // after the hour-long window a provider that cannot list jobs waits out.
    const settled = await eventually(
      `video ${id} settled`,
      async () => {
        const video = await callApi(stack, `/v1/videos/${id}`, { token });
        return video.body.cost?.charged_micros === null ? undefined : video.body;
      },
      { timeoutMs: 200_000, intervalMs: 1000 },
    );
    const usage = await usageOf(stack, token, month);

    expect(cancelled).toMatchObject({ id, status: 'cancelled', cost: { charged_micros: null } });
    expect((await emulator.jobs(stack)).data.filter((job) => job.prompt === prompt)).toEqual([]);
    expect(settled).toMatchObject({ status: 'cancelled', cost: { charged_micros: 0 } });
    expect(usage).toMatchObject({ charged_micros: 0, reserved_micros: 0, active_videos: 0 });
  }, 260_000);
});

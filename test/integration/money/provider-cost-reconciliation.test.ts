import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { callApi, emulator, eventually } from '../../helpers/api';
import { type LocalStackClient, useLocalStack } from '../../helpers/local-stack';
import { currentMonth, uniqueUser, usageOf } from './money-api';

/*
 * A video given up on while its provider job still runs (cancelled while `in_progress`), whose job the provider
 * then finishes: the scheduled reconciler (reconcile-provider-costs, fired every LOCAL_SCHEDULE_MS = 1 s by the
 * local scheduler from the template's EventBridge rule) records exactly one provider cost for finance, and the
 * user is charged nothing. A job that ends `failed` instead records nothing. The RECONCILE work items are read
 * from DynamoDB Local directly: no route shows them.
 */

const stack = useLocalStack();
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const dynamodb = new DynamoDBClient({ endpoint: stack.dynamodbEndpoint, region: 'us-east-1', credentials });
const documents = DynamoDBDocumentClient.from(dynamodb);

afterAll(() => {
  dynamodb.destroy();
});

/** The RECONCILE provider-job work items of a video (the app's table is the one named after StorageTable). */
async function workItemsOf(videoId: string) {
  const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
  const table = TableNames.find((name) => /StorageTable/.test(name));
  const { Items = [] } = await documents.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      // Every reserved video also has a deadline watch here (kind `deadline`, due ~31 h later): not a provider job.
      FilterExpression: 'videoId = :videoId AND (attribute_not_exists(kind) OR kind <> :deadline)',
      ExpressionAttributeValues: { ':pk': 'RECONCILE', ':videoId': videoId, ':deadline': 'deadline' },
      ConsistentRead: true,
    }),
  );
  return Items;
}

/**
 * How many reconciler runs the local scheduler has finished: it writes `{ "<rule>": <runs> }` to
 * `schedule-runs.json` in the stack's data directory after each run.
 */
async function reconcilerRuns(): Promise<number> {
  const runs = JSON.parse(await readFile(join(stack.dataDir, 'schedule-runs.json'), 'utf8')) as Record<string, number>;
  const rules = Object.keys(runs).filter((rule) => /Reconcil/i.test(rule));
  expect(rules, `reconciler rules among ${Object.keys(runs).join(', ')}`).toHaveLength(1);
  return runs[rules[0]!]!;
}

/**
 * Creates a video and cancels it while its provider job is `in_progress` (the emulator's job takes
 * EMULATOR_JOB_MS = 1.5 s); a cancel that loses the race to the pipeline (409) is tried again with a new video.
 */
async function cancelWhileInProgress(client: LocalStackClient, token: string, prompt: string) {
  for (let attempt = 1; attempt <= 5; attempt++) {
    const created = await callApi(client, '/v1/videos', {
      method: 'POST',
      token,
      json: { prompt: `${prompt} try ${attempt}`, seconds: '4' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const id = created.body.id as string;
    const status = await eventually(
      `video ${id} in progress`,
      async () => {
        const video = await callApi(client, `/v1/videos/${id}`, { token });
        return video.body.status === 'queued' ? undefined : (video.body.status as string);
      },
      { timeoutMs: 30_000, intervalMs: 25 },
    );
    if (status === 'in_progress') {
      const cancelled = await callApi(client, `/v1/videos/${id}/cancel`, { method: 'POST', token, json: {} });
      if (cancelled.status === 200) return { id, prompt: `${prompt} try ${attempt}` };
      expect(cancelled.status).toBe(409);
    }
    // The pipeline got ahead of the cancel: wait for this video to settle so the budget frees up, then retry.
    await eventually(
      `video ${id} terminal`,
      async () => {
        const video = await callApi(client, `/v1/videos/${id}`, { token });
        return ['completed', 'failed', 'cancelled'].includes(video.body.status) ? true : undefined;
      },
      { timeoutMs: 60_000 },
    );
  }
  throw new Error('could not cancel a video while its provider job was in progress in 5 attempts');
}

describe('money: provider costs of jobs given up on (reconcile-provider-costs on the local schedule)', () => {
  it('records exactly one provider cost and charges 0 when a cancelled video completes at the provider', async () => {
    const userId = uniqueUser('reconcile-done');
    const token = await stack.token(userId);
    const finance = await stack.token(uniqueUser('finance'), ['finance']);
    const month = currentMonth();

    const { id, prompt } = await cancelWhileInProgress(stack, token, `RECONCILEDONE ${userId}`);
    // Written by the cancel's transaction; the reconciler removes it only once the provider job has ended.
    const pending = await workItemsOf(id);

    // The provider finishes the job it was never told to stop.
    await eventually(
      `provider job of ${id} completing`,
      async () => {
        const jobs = await emulator.jobs(stack);
        return jobs.data.find((job) => job.prompt === prompt && job.status === 'completed');
      },
      { timeoutMs: 30_000 },
    );
    const costs = await eventually(
      `provider cost of ${id} recorded`,
      async () => {
        const reply = await callApi(stack, `/v1/admin/costs?month=${month}&user_id=${userId}`, { token: finance });
        return reply.body?.provider_costs?.length > 0 ? reply.body : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    await eventually(
      `work item of ${id} removed`,
      async () => ((await workItemsOf(id)).length === 0 ? true : undefined),
      {
        timeoutMs: 30_000,
      },
    );
    // More reconciler runs change nothing. The run in flight now may have read the item before it went, so wait
    // for three more to finish: at least two of them started after this point.
    const runsSoFar = await reconcilerRuns();
    await eventually(
      'two more reconciler runs',
      async () => ((await reconcilerRuns()) >= runsSoFar + 3 ? true : undefined),
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const again = await callApi(stack, `/v1/admin/costs?month=${month}&user_id=${userId}`, { token: finance });

    expect(pending).toMatchObject([{ videoId: id, userId, reason: 'cancelled', providerVideoId: expect.any(String) }]);
    expect(costs).toMatchObject({
      data: [],
      provider_costs: [{ video_id: id, provider_cost_micros: 400_000, video_status: 'cancelled' }],
      totals: { charged_micros: 0, provider_cost_micros: 400_000 },
    });
    expect(again.body.provider_costs).toHaveLength(1);
    expect(again.body.totals).toMatchObject({ charged_micros: 0, provider_cost_micros: 400_000 });
    const video = await callApi(stack, `/v1/videos/${id}`, { token });
    expect(video.body).toMatchObject({ status: 'cancelled', cost: { estimated_micros: 400_000, charged_micros: 0 } });
    expect(await usageOf(stack, token, month)).toMatchObject({
      charged_micros: 0,
      reserved_micros: 0,
      active_videos: 0,
    });
  }, 240_000);

  it('records no provider cost and removes the work item when the cancelled video fails at the provider', async () => {
    const userId = uniqueUser('reconcile-failed');
    const token = await stack.token(userId);
    const finance = await stack.token(uniqueUser('finance'), ['finance']);
    const month = currentMonth();
    const marker = `RECONCILEFAIL${Date.now().toString(36)}`;
    // Matched by a marker no other test uses, and counted: every attempt below may need it.
    await emulator.faults(stack, { fail_generation: { match: marker, code: 'moderation_blocked', count: 5 } });

    const { id, prompt } = await cancelWhileInProgress(stack, token, `${marker} ${userId}`);
    // Written by the cancel's transaction; the reconciler removes it only once the provider job has ended.
    const pending = await workItemsOf(id);

    await eventually(
      `provider job of ${id} failing`,
      async () => {
        const jobs = await emulator.jobs(stack);
        return jobs.data.find((job) => job.prompt === prompt && job.status === 'failed');
      },
      { timeoutMs: 30_000 },
    );
    await eventually(
      `work item of ${id} removed`,
      async () => ((await workItemsOf(id)).length === 0 ? true : undefined),
      {
        timeoutMs: 60_000,
        intervalMs: 250,
      },
    );
    const costs = await callApi(stack, `/v1/admin/costs?month=${month}&user_id=${userId}`, { token: finance });

    expect(pending).toMatchObject([{ videoId: id, userId, reason: 'cancelled' }]);
    expect(costs.body).toMatchObject({
      data: [],
      provider_costs: [],
      totals: { charged_micros: 0, provider_cost_micros: 0 },
    });
    expect(await usageOf(stack, token, month)).toMatchObject({ charged_micros: 0, reserved_micros: 0 });
  }, 240_000);
});

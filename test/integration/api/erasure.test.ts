import { DescribeExecutionCommand, type HistoryEvent, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulator, eventually, executionArnOf, executionHistory, sfnClient } from '../../helpers/api';
import { pngOf } from '../../helpers/images';
import { useLocalStack } from '../../helpers/local-stack';
import { ContractClient } from './contract';
import { expectCovered } from './coverage';
import { isTerminal, storedState, uniquePrompt, uniqueUser, waitForVideo } from './support';

/*
 * DELETE /v1/admin/users/{userId} through the HTTP API: what an erasure leaves, read from the local services directly
 * (no route shows the tables, the bucket or the provider's jobs). The scheduled erase-user-data (every
 * LOCAL_SCHEDULE_MS = 1 s here) does the work, and the reconciler deletes the provider's copies. An erasure while a
 * video is running (cancelled first, held until the provider's outcome) is in
 * test/integration/money/cancel-settlement.test.ts, which owns the emulator's never-finishing jobs.
 */

const stack = useLocalStack();
const { everyItem, objectsUnder, destroy } = storedState(stack);
let api: ContractClient;

beforeAll(async () => {
  api = await ContractClient.connect(stack);
});
afterAll(() => {
  destroy();
  expectCovered(api, 'erasure');
});

/** The user's ledger: their costs of the month as finance sees them (every entry, the totals). */
async function ledgerOf(finance: string, userId: string, month: string) {
  const reply = await api.call('GET', `/v1/admin/costs?month=${month}&user_id=${userId}`, { token: finance });
  expect(reply.status).toBe(200);
  return { data: reply.body.data, providerCosts: reply.body.provider_costs, totals: reply.body.totals };
}

describe('erasure of a user', () => {
  it('leaves none of the user’s videos, prompts, metadata, objects, uploads or provider copies; the ledger unchanged', async () => {
    // Prepare: a completed video (with an Idempotency-Key, whose stored answer holds the prompt), a remix of it, and
    // an upload.
    const userId = uniqueUser('erased');
    const token = await stack.token(userId);
    const financeId = uniqueUser('finance-eraser');
    const finance = await stack.token(financeId, ['finance']);
    const month = new Date().toISOString().slice(0, 7);
    const secret = `meta-${Date.now()}-erased`;
    const prompts = [uniquePrompt('An erased kite'), uniquePrompt('The erased kite at dusk')];
    const created = await api.call('POST', '/v1/videos', {
      token,
      json: { prompt: prompts[0], metadata: { note: secret } },
      headers: { 'idempotency-key': `erasure-${Date.now()}` },
    });
    expect(created.status).toBe(202);
    const done = await waitForVideo(api, token, created.body.id, isTerminal);
    const remix = await api.call('POST', `/v1/videos/${done.id}/remix`, { token, json: { prompt: prompts[1] } });
    expect(remix.status).toBe(202);
    const remixed = await waitForVideo(api, token, remix.body.id, isTerminal);
    const png = pngOf(1280, 720);
    const upload = await api.call('POST', '/v1/uploads', { token, json: { bytes: png.byteLength } });
    expect((await fetch(upload.body.upload_url, { method: 'PUT', body: png })).status).toBe(200);
    const jobsBefore = (await emulator.jobs(stack)).data.filter((job) => prompts.includes(job.prompt));
    const objectsBefore = [...(await objectsUnder(`videos/${userId}/`)), ...(await objectsUnder(`uploads/${userId}/`))];
    const ledgerBefore = await ledgerOf(finance, userId, month);

    // Act
    const erasure = await api.call('DELETE', `/v1/admin/users/${userId}`, { token: finance });
    const again = await api.call('DELETE', `/v1/admin/users/${userId}`, { token: finance });
    const completed = await eventually(
      `erasure of ${userId} completed`,
      async () => {
        const reply = await api.call('DELETE', `/v1/admin/users/${userId}`, { token: finance });
        return reply.body.status === 'completed' ? reply.body : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    await eventually(
      `provider copies of ${userId}'s videos deleted`,
      async () => {
        const { data } = await emulator.jobs(stack);
        return data.some((job) => prompts.includes(job.prompt)) ? undefined : true;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    const afterCompleted = await api.call('DELETE', `/v1/admin/users/${userId}`, { token: finance });
    const items = await everyItem();
    const list = await api.call('GET', '/v1/videos', { token });
    const video = await api.call('GET', `/v1/videos/${done.id}`, { token });
    const ledgerAfter = await ledgerOf(finance, userId, month);
    const audit = await api.call('GET', `/v1/admin/audit?user_id=${userId}`, { token: finance });

    // Assess
    expect(done.status).toBe('completed');
    expect(remixed.status).toBe('completed');
    expect(jobsBefore).toHaveLength(2);
    expect(objectsBefore).toHaveLength(7);
    expect(erasure.status).toBe(202);
    expect(erasure.body).toMatchObject({ object: 'user.erasure', user_id: userId, requested_by: financeId });
    // A second call while it runs answers the same erasure (or the same one completed): no second erasure.
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(erasure.body.id);
    expect(completed).toMatchObject({
      id: erasure.body.id,
      status: 'completed',
      completed_at: expect.any(Number),
      videos_erased: 2,
      videos_cancelled: 0,
      objects_deleted: 1,
    });
    expect(afterCompleted.body).toEqual(completed);
    expect(items.filter((item) => prompts.some((prompt) => item.includes(prompt)) || item.includes(secret))).toEqual(
      [],
    );
    expect(await objectsUnder(`videos/${userId}/`)).toEqual([]);
    expect(await objectsUnder(`uploads/${userId}/`)).toEqual([]);
    expect(list.body.data).toEqual([]);
    expect(video.status).toBe(404);
    expect(ledgerAfter).toEqual(ledgerBefore);
    expect(ledgerBefore.totals.charged_micros).toBe(done.cost.charged_micros + remixed.cost.charged_micros);
    expect(audit.body.data).toEqual([
      expect.objectContaining({
        action: 'user.erased',
        actor_user_id: financeId,
        user_id: userId,
        erasure_id: erasure.body.id,
        request_id: erasure.headers.get('x-request-id'),
        created_at: erasure.body.requested_at,
      }),
    ]);
  }, 180_000);

  it('leaves no prompt or metadata in any Step Functions execution of the user: pipelines and webhook deliveries', async () => {
    // Prepare: an endpoint that refuses connections (its delivery keeps retrying, its execution running), a completed
    // video whose event it gets, and a video still running when the erasure cancels it.
    const userId = uniqueUser('erased-executions');
    const token = await stack.token(userId);
    const finance = await stack.token(uniqueUser('finance-executions'), ['finance']);
    const secret = `meta-${Date.now()}-in-executions`;
    const prompts = [uniquePrompt('An erased executions kite'), uniquePrompt('A running erased executions kite')];
    const endpoint = await api.call('POST', '/v1/webhook_endpoints', {
      token,
      json: { url: 'http://127.0.0.1:9/refused', events: ['video.completed', 'video.failed', 'video.cancelled'] },
    });
    expect(endpoint.status).toBe(201);
    const first = await api.call('POST', '/v1/videos', {
      token,
      json: { prompt: prompts[0], metadata: { note: secret } },
    });
    expect(first.status).toBe(202);
    expect((await waitForVideo(api, token, first.body.id, isTerminal)).status).toBe('completed');
    await emulator.faults(stack, { never_finish: { match: prompts[1], count: 1 } });
    const running = await api.call('POST', '/v1/videos', {
      token,
      json: { prompt: prompts[1], metadata: { note: secret } },
    });
    await waitForVideo(api, token, running.body.id, (status) => status === 'in_progress');
    await eventually(
      'the completed video’s delivery attempted',
      async () => {
        const reply = await api.call('GET', `/v1/webhook_endpoints/${endpoint.body.id}/deliveries`, { token });
        return reply.body.data.some((delivery: { attempts: number }) => delivery.attempts > 0) ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );

    // Act
    await api.call('DELETE', `/v1/admin/users/${userId}`, { token: finance });
    await eventually(
      `erasure of ${userId} completed`,
      async () => {
        const reply = await api.call('DELETE', `/v1/admin/users/${userId}`, { token: finance });
        return reply.body.status === 'completed' ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    const sfn = sfnClient(stack);
    expect(stack.deliveryStateMachineArn).toMatch(/:stateMachine:/);
    const deliveries = await sfn.send(new ListExecutionsCommand({ stateMachineArn: stack.deliveryStateMachineArn }));
    const arns = [
      executionArnOf(stack, first.body.id),
      executionArnOf(stack, running.body.id),
      ...(deliveries.executions ?? [])
        .filter((execution) => execution.name?.startsWith(endpoint.body.id))
        .map((execution) => execution.executionArn!),
    ];
    const recorded: Array<{ arn: string; text: string }> = [];
    for (const arn of arns) {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
      const history: HistoryEvent[] = await executionHistory(sfn, arn);
      recorded.push({ arn, text: JSON.stringify({ described, history }) });
    }

    // Assess: both pipelines and at least the completed video's delivery were looked at; none holds a prompt.
    expect(arns.length).toBeGreaterThanOrEqual(3);
    const leaking = recorded.filter(
      ({ text }) => prompts.some((prompt) => text.includes(prompt)) || text.includes(secret),
    );
    expect(leaking.map(({ arn }) => arn)).toEqual([]);
  }, 180_000);

  it('answers 403 forbidden to a caller without the finance role and to a finance user erasing themselves', async () => {
    // Prepare
    const userId = uniqueUser('not-erased');
    const financeId = uniqueUser('finance-self');
    const user = await stack.token(uniqueUser('plain'));
    const operator = await stack.token(uniqueUser('operator'), ['operators']);
    const finance = await stack.token(financeId, ['finance']);

    // Act
    const plain = await api.call('DELETE', `/v1/admin/users/${userId}`, { token: user });
    const operators = await api.call('DELETE', `/v1/admin/users/${userId}`, { token: operator });
    const self = await api.call('DELETE', `/v1/admin/users/${financeId}`, { token: finance });
    const anonymous = await api.call('DELETE', `/v1/admin/users/${userId}`);
    const audit = await api.call('GET', `/v1/admin/audit?user_id=${userId}`, { token: finance });

    // Assess
    for (const reply of [plain, operators, self]) {
      expect(reply.status).toBe(403);
      expect(reply.body.error.code).toBe('forbidden');
    }
    expect(anonymous.status).toBe(401);
    expect(audit.body.data).toEqual([]);
  });
});

import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeKey } from '../../../shared/table-keys';
import { emulator, eventually } from '../../helpers/api';
import { useLocalStack } from '../../helpers/local-stack';
import { ContractClient } from './contract';
import { expectCovered } from './coverage';
import { createVideo, isTerminal, uniquePrompt, uniqueUser, waitForVideo } from './support';

// The operators' routes through HTTP against the local stack: every user's videos by status, one video's execution as
// a timeline, and the redrive of an execution that failed outside its Catch path (RecordFailure out of retries),
// audited in the trail finance reads. The contract client checks each reply against GET /v1/openapi.json.
const stack = useLocalStack();
let api: ContractClient;
let operatorId: string;
let operatorToken: string;
let otherOperatorToken: string;
let financeToken: string;
let documents: DynamoDBDocumentClient;
let tableName: string;

beforeAll(async () => {
  api = await ContractClient.connect(stack);
  operatorId = uniqueUser('ops');
  operatorToken = await stack.token(operatorId, ['operators']);
  otherOperatorToken = await stack.token(uniqueUser('ops-other'), ['operators']);
  financeToken = await stack.token(uniqueUser('ops-finance'), ['finance']);
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const client = new DynamoDBClient({ endpoint: stack.dynamodbEndpoint, region: 'us-east-1', credentials });
  documents = DynamoDBDocumentClient.from(client);
  const { TableNames = [] } = await client.send(new ListTablesCommand({}));
  tableName = TableNames.find((name) => /StorageTable/.test(name)) ?? '';
  expect(tableName).not.toBe('');
});

afterAll(() => expectCovered(api, 'operators'));

const MISSING_VIDEO = 'vid_01KAAAAAAAAAAAAAAAAAAAAAAA';
const videosPath = (query: Record<string, string>) => `/v1/admin/videos?${new URLSearchParams(query)}`;

/** The execution's timeline once `done` holds for it (through the checked client). */
// biome-ignore lint/suspicious/noExplicitAny: the execution resource as JSON
function waitForExecution(videoId: string, done: (execution: any) => boolean): Promise<any> {
  return eventually(
    `execution of ${videoId} reaching the expected state`,
    async () => {
      const reply = await api.call('GET', `/v1/admin/videos/${videoId}/execution`, { token: operatorToken });
      return reply.status === 200 && done(reply.body) ? reply.body : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
}

describe('GET /v1/admin/videos', () => {
  it('returns every user’s videos in one status across pages, each with its user_id, and one user’s videos', async () => {
    const prompt = uniquePrompt('ops-stuck');
    // More than the two jobs: a create retried under load (a lost answer) makes a job that takes a count too, and the
    // second video's job would then finish (seen once in a loaded full run). The prompt is this test's alone.
    await emulator.faults(stack, { never_finish: { match: prompt, count: 10 } });
    const owners = [uniqueUser('ops-owner-a'), uniqueUser('ops-owner-b')];
    const ids: string[] = [];
    for (const owner of owners) {
      const token = await stack.token(owner);
      const video = await createVideo(api, token, { prompt, seconds: '4', size: '720x1280' });
      await waitForVideo(api, token, video.id, (status) => status === 'in_progress');
      ids.push(video.id);
    }

    // Both end before the listing, so each holds a terminal status still while the pages are read: an in_progress
    // listing raced the videos' own moves and, in two loaded CI runs, missed the second video. A cancel answers 409
    // only for a video that ended first; the listing is then checked in the status it ended in.
    const ended: string[] = [];
    for (const [index, owner] of owners.entries()) {
      const token = await stack.token(owner);
      const cancel = await api.call('POST', `/v1/videos/${ids[index]}/cancel`, { token });
      expect([200, 409], JSON.stringify(cancel.body)).toContain(cancel.status);
      ended.push((await api.call('GET', `/v1/videos/${ids[index]}`, { token })).body.status);
    }

    // Other tests' videos may be in those statuses too: page (two at a time) until both are seen.
    // biome-ignore lint/suspicious/noExplicitAny: the video resources as JSON
    const seenIn = new Map<string, any[]>();
    for (const status of new Set(ended)) {
      // biome-ignore lint/suspicious/noExplicitAny: the video resources as JSON
      const seen: any[] = [];
      const wanted = ids.filter((_, index) => ended[index] === status);
      let after: string | undefined;
      for (let page = 0; page < 500 && !wanted.every((id) => seen.some((video) => video.id === id)); page++) {
        const query = { status, limit: '2', ...(after === undefined ? {} : { after }) };
        const reply = await api.call('GET', videosPath(query), { token: operatorToken });
        expect(reply.status, JSON.stringify(reply.body)).toBe(200);
        seen.push(...reply.body.data);
        if (reply.body.next_cursor === null) break;
        expect(reply.body.has_more).toBe(true);
        after = reply.body.next_cursor;
      }
      seenIn.set(status, seen);
    }
    const byUser = await api.call('GET', videosPath({ user_id: owners[0]! }), { token: operatorToken });

    expect(ended.every((status) => ['cancelled', 'completed', 'failed'].includes(status))).toBe(true);
    expect(ids.map((id, index) => seenIn.get(ended[index]!)?.find((video) => video.id === id)?.user_id)).toEqual(
      owners,
    );
    for (const [status, seen] of seenIn) {
      expect(new Set(seen.map((video) => video.status))).toEqual(new Set([status]));
      expect(new Set(seen.map((video) => video.id)).size).toBe(seen.length);
    }
    expect(byUser.body.data.map((video: { id: string; user_id: string }) => [video.id, video.user_id])).toEqual([
      [ids[0], owners[0]],
    ]);
  });

  it('answers 400 without status and user_id, for a bad status and for a cursor of another listing', async () => {
    const neither = await api.call('GET', '/v1/admin/videos', { token: operatorToken });
    const badStatus = await api.call('GET', videosPath({ status: 'stuck' }), { token: operatorToken });
    const foreignCursor = Buffer.from(JSON.stringify({ pk: 'a', sk: 'b', status: 'failed', videoId: 'c' })).toString(
      'base64url',
    );
    const badCursor = await api.call('GET', videosPath({ status: 'queued', after: foreignCursor }), {
      token: operatorToken,
    });

    expect([neither.status, neither.body.error.code, neither.body.error.param]).toEqual([
      400,
      'missing_parameter',
      'status',
    ]);
    expect([badStatus.status, badStatus.body.error.code]).toEqual([400, 'invalid_parameter']);
    expect([badCursor.status, badCursor.body.error.param]).toEqual([400, 'after']);
  });

  it('answers 401 without a token and 403 without the operators role (finance included)', async () => {
    const anonymous = await api.call('GET', videosPath({ status: 'queued' }));
    const user = await api.call('GET', videosPath({ status: 'queued' }), {
      token: await stack.token(uniqueUser('ops-nobody')),
    });
    const finance = await api.call('GET', videosPath({ status: 'queued' }), { token: financeToken });

    expect(anonymous.status).toBe(401);
    expect([user.status, user.body.error.code]).toEqual([403, 'forbidden']);
    expect(finance.status).toBe(403);
  });
});

describe('GET /v1/admin/videos/{id}/execution', () => {
  it('returns the states of a completed video in order with start, end, duration, attempts and outcome', async () => {
    const owner = uniqueUser('ops-timeline');
    const token = await stack.token(owner);
    const video = await createVideo(api, token, { prompt: uniquePrompt('ops-timeline'), seconds: '4' });
    await waitForVideo(api, token, video.id, (status) => status === 'completed');

    const execution = await waitForExecution(video.id, (body) => body.status === 'SUCCEEDED');

    expect(execution).toMatchObject({ object: 'video.execution', video_id: video.id, user_id: owner, error: null });
    const names: string[] = execution.states.map((state: { name: string }) => state.name);
    expect(names[0]).toBe('CreateGenerationJob');
    expect(names).toContain('PollGenerationJob');
    expect(names.slice(-3)).toEqual(['StoreVideoInS3', 'RecordCompletion', 'VideoReady']);
    for (const state of execution.states) {
      expect(state.outcome).toBe('succeeded');
      expect(state.duration_ms).toBeGreaterThanOrEqual(0);
      expect(state.ended_at).toBeGreaterThanOrEqual(state.started_at);
      expect(state.attempts).toBe(state.type === 'Task' ? state.retries + 1 : 0);
    }
    const offsets = execution.states.map((state: { offset_ms: number }) => state.offset_ms);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
  });

  it('answers 404 for a video that does not exist, 401 without a token and 403 without the role', async () => {
    const missing = await api.call('GET', `/v1/admin/videos/${MISSING_VIDEO}/execution`, { token: operatorToken });
    const anonymous = await api.call('GET', `/v1/admin/videos/${MISSING_VIDEO}/execution`);
    const user = await api.call('GET', `/v1/admin/videos/${MISSING_VIDEO}/execution`, { token: financeToken });

    expect([missing.status, missing.body.error.code]).toEqual([404, 'not_found']);
    expect(anonymous.status).toBe(401);
    expect(user.status).toBe(403);
  });
});

describe('POST /v1/admin/videos/{id}/redrive', () => {
  it('continues an execution whose RecordFailure ran out of retries, settles the video and audits the redrive', async () => {
    const owner = uniqueUser('ops-redrive');
    const token = await stack.token(owner);
    const prompt = uniquePrompt('ops-redrive');
    await emulator.faults(stack, { fail_generation: { match: prompt, code: 'moderation_blocked', count: 1 } });
    // The user's active count made unusable: RecordFailure's release transaction fails on every retry (a stand-in
    // for a bug or a broken permission), so the execution fails outside its Catch path with the video unsettled.
    const video = await createVideo(api, token, { prompt, seconds: '4' });
    await setActiveCount(owner, 'unusable');
    const failed = await waitForExecution(video.id, (body) => body.status === 'FAILED');
    const unsettled = await api.call('GET', `/v1/videos/${video.id}`, { token });
    const withoutRole = await api.call('POST', `/v1/admin/videos/${video.id}/redrive`, { token });

    expect(failed.states.at(-1)).toMatchObject({ name: 'RecordFailure', outcome: 'failed' });
    expect(failed.states.at(-1).retries).toBeGreaterThan(0);
    expect(failed.states.map((state: { name: string }) => state.name)).not.toContain('VideoFailed');
    expect(isTerminal(unsettled.body.status)).toBe(false);
    expect([withoutRole.status, withoutRole.body.error.code]).toEqual([403, 'forbidden']);

    await setActiveCount(owner, 1);
    const redrive = await api.call('POST', `/v1/admin/videos/${video.id}/redrive`, { token: operatorToken });
    const settled = await waitForVideo(api, token, video.id, isTerminal);
    const ended = await waitForExecution(video.id, (body) => body.status !== 'RUNNING');
    const again = await api.call('POST', `/v1/admin/videos/${video.id}/redrive`, { token: operatorToken });

    expect(redrive.status, JSON.stringify(redrive.body)).toBe(202);
    expect(redrive.body).toMatchObject({
      object: 'video.redrive',
      video_id: video.id,
      status: 'RUNNING',
      redrive_count: 1,
      restarted_state: 'RecordFailure',
    });
    expect(settled).toMatchObject({ status: 'failed', error: { code: 'moderation_blocked' } });
    expect(ended).toMatchObject({ status: 'FAILED', redrive_count: 1 });
    expect(ended.states.slice(-2).map((state: { name: string }) => state.name)).toEqual([
      'RecordFailure',
      'VideoFailed',
    ]);
    expect([again.status, again.body.error.code]).toEqual([409, 'invalid_state']);
    expect(again.body.error.message).toContain('ended in VideoFailed');

    const mine = await api.call('GET', `/v1/admin/audit?user_id=${owner}`, { token: operatorToken });
    const others = await api.call('GET', `/v1/admin/audit?user_id=${owner}`, { token: otherOperatorToken });
    const finance = await api.call('GET', `/v1/admin/audit?user_id=${owner}`, { token: financeToken });
    const expected = {
      id: redrive.body.audit_id,
      object: 'audit_record',
      action: 'video.redriven',
      actor_user_id: operatorId,
      user_id: owner,
      video_id: video.id,
      old_values: { execution_status: 'FAILED', redrive_count: 0 },
      new_values: { execution_status: 'RUNNING', redrive_count: 1 },
      request_id: redrive.headers.get('x-request-id'),
    };
    expect(mine.body.data).toEqual([expect.objectContaining(expected)]);
    expect(others.body.data).toEqual([]);
    expect(finance.body.data).toEqual([expect.objectContaining(expected)]);
  });

  it('refuses a running and a succeeded execution with 409 invalid_state saying why, and 404 for no video', async () => {
    const owner = uniqueUser('ops-refused');
    const token = await stack.token(owner);
    const prompt = uniquePrompt('ops-refused');
    await emulator.faults(stack, { never_finish: { match: prompt, count: 1 } });
    const running = await createVideo(api, token, { prompt, seconds: '4' });
    await waitForVideo(api, token, running.id, (status) => status === 'in_progress');
    const done = await createVideo(api, token, { prompt: uniquePrompt('ops-done'), seconds: '4' });
    await waitForVideo(api, token, done.id, (status) => status === 'completed');
    await waitForExecution(done.id, (body) => body.status === 'SUCCEEDED');

    const whileRunning = await api.call('POST', `/v1/admin/videos/${running.id}/redrive`, { token: operatorToken });
    const succeeded = await api.call('POST', `/v1/admin/videos/${done.id}/redrive`, { token: operatorToken });
    const missing = await api.call('POST', `/v1/admin/videos/${MISSING_VIDEO}/redrive`, { token: operatorToken });
    const anonymous = await api.call('POST', `/v1/admin/videos/${MISSING_VIDEO}/redrive`);
    await api.call('POST', `/v1/videos/${running.id}/cancel`, { token });

    expect([whileRunning.status, whileRunning.body.error.code]).toEqual([409, 'invalid_state']);
    expect(whileRunning.body.error.message).toContain('is still running');
    expect([succeeded.status, succeeded.body.error.code]).toEqual([409, 'invalid_state']);
    expect(succeeded.body.error.message).toContain('succeeded');
    expect([missing.status, missing.body.error.code]).toEqual([404, 'not_found']);
    expect(anonymous.status).toBe(401);
  });
});

/** Sets the user's count of active videos (a string makes every ADD to it fail). */
async function setActiveCount(userId: string, value: number | string): Promise<void> {
  await documents.send(
    new UpdateCommand({
      TableName: tableName,
      Key: activeKey(userId),
      UpdateExpression: 'SET activeCount = :value',
      ExpressionAttributeValues: { ':value': value },
    }),
  );
}

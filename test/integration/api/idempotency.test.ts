import { randomUUID } from 'node:crypto';
import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, sfnClient } from '../../helpers/api';
import { useLocalStack } from '../../helpers/local-stack';
import { ContractClient } from './contract';
import { expectCovered } from './coverage';
import { createVideo, isTerminal, jobsFor, uniquePrompt, uniqueUser, waitForVideo } from './support';

// Idempotency-Key on create and remix: same key + same body + same user → the first response, one video,
// one execution, one provider job; same key + another body → 409 idempotency_key_reused.
const stack = useLocalStack();
const sfn = sfnClient(stack);
let api: ContractClient;

beforeAll(async () => {
  api = await ContractClient.connect(stack);
});
afterAll(() => {
  sfn.destroy();
  expectCovered(api, 'idempotency');
});

/** The names of every execution of the pipeline state machine. */
async function executionNames(): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: stack.stateMachineArn, nextToken, maxResults: 1000 }),
    );
    names.push(...(page.executions ?? []).flatMap((execution) => execution.name ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return names;
}

async function listIds(token: string): Promise<string[]> {
  const reply = await api.call('GET', '/v1/videos?limit=100', { token });
  expect(reply.status).toBe(200);
  return reply.body.data.map((video: { id: string }) => video.id);
}

describe('Idempotency-Key', () => {
  it('makes exactly one video, one execution and one provider job from 50 concurrent identical creates', async () => {
    const token = await stack.token(uniqueUser('idem-burst'));
    const prompt = uniquePrompt('Fifty identical requests');
    const key = `burst-${randomUUID()}`;

    const replies = await Promise.all(
      Array.from({ length: 50 }, () =>
        api.call('POST', '/v1/videos', { token, json: { prompt }, headers: { 'idempotency-key': key } }),
      ),
    );

    const accepted = replies.filter((reply) => reply.status === 202);
    // A request still waiting for its twin after a few seconds answers 409 invalid_state with Retry-After.
    const waiting = replies.filter((reply) => reply.status === 409);
    expect(accepted.length + waiting.length).toBe(50);
    expect(accepted.length).toBeGreaterThan(0);
    for (const reply of waiting) {
      expect(reply.body.error.code).toBe('invalid_state');
      expect(reply.headers.get('retry-after')).toBe('1');
    }
    const ids = new Set(accepted.map((reply) => reply.body.id));
    expect(ids.size).toBe(1);
    const [videoId] = [...ids] as [string];
    // The first response itself, replayed (field for field; the stored copy need not keep the key order).
    for (const reply of accepted) expect(reply.body).toEqual(accepted[0]!.body);
    expect(await listIds(token)).toEqual([videoId]);
    expect((await executionNames()).filter((name) => name === videoId)).toHaveLength(1);
    await waitForVideo(api, token, videoId, isTerminal);
    expect(await jobsFor(stack, prompt)).toHaveLength(1);
    // A late retry of the same request gets the first response too.
    const late = await api.call('POST', '/v1/videos', { token, json: { prompt }, headers: { 'idempotency-key': key } });
    expect(late.status).toBe(202);
    expect(late.body).toEqual(accepted[0]!.body);
    expect(late.headers.get('location')).toBe(`/v1/videos/${videoId}`);
  });

  it('returns 409 idempotency_key_reused for the same key with another body, and creates nothing', async () => {
    const token = await stack.token(uniqueUser('idem-reuse'));
    const key = `reuse-${randomUUID()}`;
    const first = await api.call('POST', '/v1/videos', {
      token,
      json: { prompt: uniquePrompt('The first body') },
      headers: { 'idempotency-key': key },
    });
    const otherPrompt = uniquePrompt('Another body');

    const reused = await api.call('POST', '/v1/videos', {
      token,
      json: { prompt: otherPrompt },
      headers: { 'idempotency-key': key },
    });
    const sameBodyOtherSeconds = await api.call('POST', '/v1/videos', {
      token,
      json: { prompt: first.body.prompt, seconds: '8' },
      headers: { 'idempotency-key': key },
    });

    expect(first.status).toBe(202);
    for (const reply of [reused, sameBodyOtherSeconds]) {
      expect(reply.status).toBe(409);
      expect(reply.body.error).toMatchObject({ type: 'invalid_request_error', code: 'idempotency_key_reused' });
    }
    expect(await listIds(token)).toEqual([first.body.id]);
    expect(await jobsFor(stack, otherPrompt)).toEqual([]);
  });

  it('treats the same body with its defaults written out as the same request', async () => {
    const token = await stack.token(uniqueUser('idem-defaults'));
    const key = `defaults-${randomUUID()}`;
    const prompt = uniquePrompt('Defaults spelled out');
    const headers = { 'idempotency-key': key };

    const short = await api.call('POST', '/v1/videos', { token, json: { prompt }, headers });
    const spelled = await api.call('POST', '/v1/videos', {
      token,
      json: { prompt, model: 'sora-2', seconds: '4', size: '720x1280' },
      headers,
    });

    expect(short.status).toBe(202);
    expect(spelled.status).toBe(202);
    expect(spelled.body.id).toBe(short.body.id);
  });

  it('keeps keys per user: another user with the same key and body gets a video of their own', async () => {
    const key = `shared-${randomUUID()}`;
    const prompt = uniquePrompt('Same key, two users');
    const tokenA = await stack.token(uniqueUser('idem-user-a'));
    const tokenB = await stack.token(uniqueUser('idem-user-b'));

    const a = await api.call('POST', '/v1/videos', {
      token: tokenA,
      json: { prompt },
      headers: { 'idempotency-key': key },
    });
    const b = await api.call('POST', '/v1/videos', {
      token: tokenB,
      json: { prompt },
      headers: { 'idempotency-key': key },
    });

    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(b.body.id).not.toBe(a.body.id);
    expect(await listIds(tokenB)).toEqual([b.body.id]);
  });

  it('replays a remix for the same key and source, and answers 409 for that key on another source or on create', async () => {
    const token = await stack.token(uniqueUser('idem-remix'));
    const source = await createVideo(api, token, { prompt: uniquePrompt('A remix source') });
    const other = await createVideo(api, token, { prompt: uniquePrompt('Another remix source') });
    await waitForVideo(api, token, source.id, isTerminal);
    await waitForVideo(api, token, other.id, isTerminal);
    const key = `remix-${randomUUID()}`;
    const prompt = uniquePrompt('Remixed once');
    const headers = { 'idempotency-key': key };

    const first = await api.call('POST', `/v1/videos/${source.id}/remix`, { token, json: { prompt }, headers });
    const again = await api.call('POST', `/v1/videos/${source.id}/remix`, { token, json: { prompt }, headers });
    const otherSource = await api.call('POST', `/v1/videos/${other.id}/remix`, { token, json: { prompt }, headers });
    const asCreate = await api.call('POST', '/v1/videos', { token, json: { prompt }, headers });

    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    for (const reply of [otherSource, asCreate]) {
      expect(reply.status).toBe(409);
      expect(reply.body.error.code).toBe('idempotency_key_reused');
    }
    await waitForVideo(api, token, first.body.id, isTerminal);
    await eventually('one provider job for the remix', async () =>
      (await jobsFor(stack, prompt)).length === 1 ? true : undefined,
    );
    expect(await listIds(token)).toHaveLength(3);
  });

  it('lets a key be used again after its first request failed (nothing stored for an error)', async () => {
    const token = await stack.token(uniqueUser('idem-after-error'));
    const key = `after-error-${randomUUID()}`;
    const headers = { 'idempotency-key': key };
    const missing = 'vid_01JD0000000000000000000000';

    const failed = await api.call('POST', `/v1/videos/${missing}/remix`, { token, json: { prompt: 'x' }, headers });
    const created = await api.call('POST', `/v1/videos/${missing}/remix`, { token, json: { prompt: 'x' }, headers });

    expect(failed.status).toBe(404);
    expect(created.status).toBe(404);
    // The same key on create is then a new request, not a reuse: the 404 stored nothing.
    const create = await api.call('POST', '/v1/videos', {
      token,
      json: { prompt: uniquePrompt('After a 404') },
      headers,
    });
    expect(create.status).toBe(202);
  });
});

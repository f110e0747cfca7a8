import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/api';
import { useLocalStack } from '../../helpers/local-stack';
import { ContractClient } from './contract';
import { expectCovered } from './coverage';
import { badTokens, createVideo, isTerminal, jobsFor, uniquePrompt, uniqueUser, waitForVideo } from './support';

// Every error status and code of the HTTP contract that the client API produces, through HTTP against the local stack; the
// contract client checks each reply against GET /v1/openapi.json (status documented, error envelope, request id).
const stack = useLocalStack();
let api: ContractClient;
let token: string;
/** A finance user's token, for the one JSON route behind a role. */
let financeToken: string;
/** A completed video of the caller's, the source of the remix requests below. */
let sourceId: string;

beforeAll(async () => {
  api = await ContractClient.connect(stack);
  token = await stack.token(uniqueUser('errors'));
  financeToken = await stack.token(uniqueUser('errors-finance'), ['finance']);
  const source = await createVideo(api, token, { prompt: uniquePrompt('An error-suite source') });
  const settled = await waitForVideo(api, token, source.id, isTerminal);
  // A remix of anything but a completed source answers 409: the remix cases below need a completed one.
  expect(settled.status, JSON.stringify(settled.error)).toBe('completed');
  sourceId = settled.id;
});

// Every reply of this file went through the contract check; it must have seen every reply coverage.ts lists for it.
afterAll(() => expectCovered(api, 'errors'));

/** Every JSON route (a body in, parsed by the same middleware), each with a valid body and a caller allowed on it. */
const JSON_ROUTES = () =>
  [
    ['POST', '/v1/videos', { prompt: 'A valid prompt' }, token],
    ['POST', `/v1/videos/${sourceId}/remix`, { prompt: 'A valid remix prompt' }, token],
    ['POST', `/v1/videos/${sourceId}/cancel`, {}, token],
    ['PUT', `/v1/admin/users/${uniqueUser('errors-limits')}/limits`, { max_active: 5 }, financeToken],
  ] as const;

describe('client API errors', () => {
  it('returns 400 invalid_json on every JSON route when the body is not JSON', async () => {
    for (const [method, path, , caller] of JSON_ROUTES()) {
      const reply = await api.call(method, path, {
        token: caller,
        body: '{"prompt": "unterminated',
        headers: { 'content-type': 'application/json' },
      });

      expect(reply.status, path).toBe(400);
      expect(reply.body.error, path).toMatchObject({
        type: 'invalid_request_error',
        code: 'invalid_json',
        param: null,
      });
    }
  });

  it('returns 400 invalid_parameter naming the unknown field on every JSON route', async () => {
    for (const [method, path, body, caller] of JSON_ROUTES()) {
      const reply = await api.call(method, path, { token: caller, json: { ...body, colour: 'red' } });

      expect(reply.status, path).toBe(400);
      expect(reply.body.error, path).toMatchObject({ code: 'invalid_parameter', param: 'colour' });
    }
  });

  it('returns 400 missing_parameter naming prompt when create or remix has none', async () => {
    for (const path of ['/v1/videos', `/v1/videos/${sourceId}/remix`]) {
      const reply = await api.call('POST', path, { token, json: {} });

      expect(reply.status, path).toBe(400);
      expect(reply.body.error, path).toMatchObject({ code: 'missing_parameter', param: 'prompt' });
    }
  });

  it('returns 400 invalid_parameter naming the field for a bad value', async () => {
    const seconds = await api.call('POST', '/v1/videos', { token, json: { prompt: 'x', seconds: '5' } });
    const size = await api.call('POST', '/v1/videos', { token, json: { prompt: 'x', size: '1792x1024' } });
    const empty = await api.call('POST', `/v1/videos/${sourceId}/remix`, { token, json: { prompt: '   ' } });
    const limit = await api.call('GET', '/v1/videos?limit=0', { token });

    expect(seconds.body.error).toMatchObject({ code: 'invalid_parameter', param: 'seconds' });
    expect(size.body.error).toMatchObject({ code: 'invalid_parameter', param: 'size' });
    expect(empty.body.error).toMatchObject({ code: 'invalid_parameter', param: 'prompt' });
    expect(limit.body.error).toMatchObject({ code: 'invalid_parameter', param: 'limit' });
    for (const reply of [seconds, size, empty, limit]) expect(reply.status).toBe(400);
  });

  it('returns 400 invalid_parameter for an Idempotency-Key that is empty, too long or not printable', async () => {
    for (const key of [' '.repeat(0), 'k'.repeat(256), 'tab\there']) {
      for (const path of ['/v1/videos', `/v1/videos/${sourceId}/remix`]) {
        const reply = await api.call('POST', path, {
          token,
          json: { prompt: uniquePrompt('Never made') },
          headers: { 'idempotency-key': key },
        });

        expect(reply.status, `${path} key ${JSON.stringify(key.slice(0, 10))}`).toBe(400);
        expect(reply.body.error).toMatchObject({ code: 'invalid_parameter', param: 'Idempotency-Key' });
      }
    }
  });

  it('returns 413 payload_too_large on every JSON route for a body over 64 KiB', async () => {
    for (const [method, path, , caller] of JSON_ROUTES()) {
      const reply = await api.call(method, path, { token: caller, json: { prompt: 'p'.repeat(65 * 1024) } });

      expect(reply.status, path).toBe(413);
      expect(reply.body.error, path).toMatchObject({ code: 'payload_too_large' });
    }
  });

  it('returns 415 unsupported_media_type on every JSON route for a body that is not application/json', async () => {
    for (const [method, path, , caller] of JSON_ROUTES()) {
      const reply = await api.call(method, path, {
        token: caller,
        body: 'prompt=A cat',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });

      expect(reply.status, path).toBe(415);
      expect(reply.body.error, path).toMatchObject({ code: 'unsupported_media_type' });
    }
  });

  it('returns 404 not_found for a video id that does not exist, on every route that takes one', async () => {
    const missing = 'vid_01JD0000000000000000000000';
    for (const [method, path, json] of [
      ['GET', `/v1/videos/${missing}`, undefined],
      ['GET', `/v1/videos/${missing}/content`, undefined],
      ['POST', `/v1/videos/${missing}/remix`, { prompt: 'x' }],
      ['POST', `/v1/videos/${missing}/cancel`, undefined],
      ['DELETE', `/v1/videos/${missing}`, undefined],
    ] as const) {
      const reply = await api.call(method, path, { token, json });

      expect(reply.status, `${method} ${path}`).toBe(404);
      expect(reply.body.error).toMatchObject({ type: 'invalid_request_error', code: 'not_found' });
    }
  });

  it('returns 400 invalid_parameter in the envelope for a path that is not valid percent-encoded UTF-8', async () => {
    const bad = '%ED%A0%80';
    for (const [method, path, bearer] of [
      ['GET', `/v1/videos/${bad}`, token],
      ['GET', `/v1/videos/${bad}/content`, token],
      ['POST', `/v1/videos/${bad}/remix`, token],
      ['POST', `/v1/videos/${bad}/cancel`, token],
      ['DELETE', `/v1/videos/${bad}`, token],
      ['GET', `/v1/admin/users/${bad}/limits`, financeToken],
      ['PUT', `/v1/admin/users/${bad}/limits`, financeToken],
    ] as const) {
      // Plain fetch: the path is rejected before any route, so the route's contract does not apply.
      const response = await fetch(`${stack.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
        ...(method === 'GET' || method === 'DELETE' ? {} : { body: '{}' }),
      });
      const body = (await response.json()) as { error?: { type?: string; code?: string } };

      expect(response.status, `${method} ${path}`).toBe(400);
      expect(body.error, `${method} ${path}`).toMatchObject({
        type: 'invalid_request_error',
        code: 'invalid_parameter',
      });
    }
  });

  it('returns 403 forbidden on a finance route for a caller without the role, and 200 with it', async () => {
    const userId = uniqueUser('errors-role');
    const plain = await api.call('GET', '/v1/admin/costs', { token: await stack.token(userId) });
    const finance = await api.call('GET', '/v1/admin/costs', { token: await stack.token(userId, ['finance']) });
    const limits = await api.call('GET', `/v1/admin/users/${userId}/limits`, { token: await stack.token(userId) });
    const put = await api.call('PUT', `/v1/admin/users/${userId}/limits`, {
      token: await stack.token(userId),
      json: { max_active: 1000 },
    });

    expect(plain.status).toBe(403);
    expect(plain.body.error).toMatchObject({ type: 'permission_error', code: 'forbidden' });
    expect([limits.status, put.status]).toEqual([403, 403]);
    expect(put.body.error).toMatchObject({ code: 'forbidden' });
    expect(finance.status).toBe(200);
  });

  it('returns 402 budget_exceeded, then 429 quota_exceeded with Retry-After, on create when limits cannot cover it', async () => {
    const userId = uniqueUser('errors-limits-hit');
    const userToken = await stack.token(userId);
    const path = `/v1/admin/users/${userId}/limits`;
    const set = await api.call('PUT', path, { token: financeToken, json: { budget_micros: 1, max_per_day: 1 } });
    const read = await api.call('GET', path, { token: financeToken });

    const overBudget = await api.call('POST', '/v1/videos', {
      token: userToken,
      json: { prompt: uniquePrompt('Dear') },
    });
    await api.call('PUT', path, { token: financeToken, json: { budget_micros: 100_000_000 } });
    const first = await createVideo(api, userToken, { prompt: uniquePrompt('The one of today') });
    const overQuota = await api.call('POST', '/v1/videos', {
      token: userToken,
      json: { prompt: uniquePrompt('More') },
    });

    expect([set.status, read.status]).toEqual([200, 200]);
    expect(read.body).toMatchObject({ user_id: userId, budget_micros: 1, max_per_day: 1 });
    expect(overBudget.status).toBe(402);
    expect(overBudget.body.error).toMatchObject({ code: 'budget_exceeded' });
    expect(overQuota.status).toBe(429);
    expect(overQuota.body.error).toMatchObject({ code: 'quota_exceeded' });
    expect(Number(overQuota.headers.get('retry-after'))).toBeGreaterThan(0);
    await waitForVideo(api, userToken, first.id, isTerminal);
  });

  it('returns 500 internal_error in the envelope, without stack or detail, when a dependency rejects the request', async () => {
    // A user id longer than DynamoDB allows in a key (2 KiB) makes the table reject the request: an unexpected
    // error for the function, which must answer the envelope and nothing of the SDK's message.
    const longUser = `long-${'x'.repeat(2100)}`;

    const reply = await api.call('POST', '/v1/videos', {
      token: await stack.token(longUser),
      json: { prompt: uniquePrompt('A key too long') },
    });

    expect(reply.status).toBe(500);
    expect(reply.body.error).toEqual({
      type: 'api_error',
      code: 'internal_error',
      message: 'An internal error occurred',
      param: null,
      request_id: reply.headers.get('x-request-id'),
    });
    expect(JSON.stringify(reply.body)).not.toMatch(/ValidationException|at .*\.ts|dynamodb|2048/i);
  });

  it('returns 401 unauthenticated without a token, and for a malformed one, on every authenticated route', async () => {
    for (const [method, path, json] of [
      ['POST', '/v1/videos', { prompt: 'x' }],
      ['GET', '/v1/videos', undefined],
      ['GET', `/v1/videos/${sourceId}`, undefined],
      ['GET', `/v1/videos/${sourceId}/content`, undefined],
      ['POST', `/v1/videos/${sourceId}/remix`, { prompt: 'x' }],
      ['POST', `/v1/videos/${sourceId}/cancel`, undefined],
      ['DELETE', `/v1/videos/${sourceId}`, undefined],
      ['GET', '/v1/usage', undefined],
      ['GET', '/v1/admin/costs', undefined],
      ['GET', '/v1/admin/users/someone/limits', undefined],
      ['PUT', '/v1/admin/users/someone/limits', { max_active: 1 }],
    ] as const) {
      for (const bad of [undefined, 'not-a-jwt']) {
        const reply = await api.call(method, path, { token: bad, json });

        expect(reply.status, `${method} ${path} with ${bad}`).toBe(401);
        expect(reply.body.error).toMatchObject({ type: 'authentication_error', code: 'unauthenticated' });
      }
    }
  });

  it('returns 401 for a wrong signature, expired, alg none, no sub, another issuer or an ID token, and runs nothing', async () => {
    const userId = uniqueUser('errors-bad-token');
    const tokens = await badTokens(stack, userId);
    const prompts: string[] = [];

    for (const [label, bad] of Object.entries(tokens)) {
      const prompt = uniquePrompt(`Never created (${label})`);
      prompts.push(prompt);
      const create = await api.call('POST', '/v1/videos', { token: bad, json: { prompt } });
      const list = await api.call('GET', '/v1/videos', { token: bad });
      const remix = await api.call('POST', `/v1/videos/${sourceId}/remix`, { token: bad, json: { prompt } });

      for (const reply of [create, list, remix]) {
        expect(reply.status, label).toBe(401);
        expect(reply.body.error, label).toMatchObject({ code: 'unauthenticated' });
      }
    }

    // No handler logic ran: the user has no video, and no provider job exists for any of the prompts, although a
    // control video made right after with a valid token gets its job.
    const valid = await stack.token(userId);
    const list = await api.call('GET', '/v1/videos', { token: valid });
    expect(list.body.data).toEqual([]);
    const control = uniquePrompt('Control video');
    const made = await createVideo(api, valid, { prompt: control });
    await eventually('the control video’s provider job', async () =>
      (await jobsFor(stack, control)).length > 0 ? true : undefined,
    );
    for (const prompt of prompts) expect(await jobsFor(stack, prompt)).toEqual([]);
    const after = await api.call('GET', '/v1/videos', { token: valid });
    expect(after.body.data.map((video: { id: string }) => video.id)).toEqual([made.id]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useLocalStack } from '../../helpers/local-stack';
import { ContractClient } from './contract';
import { expectCovered } from './coverage';
import { createVideo, isTerminal, jobsFor, uniquePrompt, uniqueUser, waitForVideo } from './support';

// User B must not see or touch user A's videos: every route that takes an id answers 404 exactly as for a missing
// video, B's list never shows A's videos, and no presigned URL is issued.
const stack = useLocalStack();
let api: ContractClient;
let tokenA: string;
let tokenB: string;
/** A's completed video (downloadable by A). */
// biome-ignore lint/suspicious/noExplicitAny: the video resource as JSON
let completed: any;

beforeAll(async () => {
  api = await ContractClient.connect(stack);
  tokenA = await stack.token(uniqueUser('isolation-a'));
  tokenB = await stack.token(uniqueUser('isolation-b'));
  const video = await createVideo(api, tokenA, { prompt: uniquePrompt('A private garden') });
  completed = await waitForVideo(api, tokenA, video.id, isTerminal);
  expect(completed.status).toBe('completed');
});

afterAll(() => expectCovered(api, 'isolation'));

describe('isolation between users', () => {
  it('answers B 404 not_found on every route with A’s video id, exactly like a missing id, and issues no URL', async () => {
    const missing = 'vid_01JD0000000000000000000000';
    const remixPrompt = uniquePrompt('B tries to remix');
    for (const [method, path, json] of [
      ['GET', '/v1/videos/{id}', undefined],
      ['GET', '/v1/videos/{id}/content', undefined],
      ['GET', '/v1/videos/{id}/content?variant=thumbnail', undefined],
      ['POST', '/v1/videos/{id}/remix', { prompt: remixPrompt }],
      ['POST', '/v1/videos/{id}/cancel', undefined],
      ['DELETE', '/v1/videos/{id}', undefined],
    ] as const) {
      const ofA = await api.call(method, path.replace('{id}', completed.id), { token: tokenB, json });
      const ofNobody = await api.call(method, path.replace('{id}', missing), { token: tokenB, json });

      expect(ofA.status, `${method} ${path}`).toBe(404);
      expect(ofA.headers.get('location'), `${method} ${path}`).toBeNull();
      const withoutIds = (body: { error: Record<string, unknown> }) => ({
        ...body.error,
        message: String(body.error.message).replace(completed.id, 'ID').replace(missing, 'ID'),
        request_id: null,
      });
      expect(withoutIds(ofA.body), `${method} ${path}`).toEqual(withoutIds(ofNobody.body));
    }
    expect(await jobsFor(stack, remixPrompt)).toEqual([]);
  });

  it('leaves A’s video untouched after B’s attempts: still completed, and A gets a URL valid at most 15 minutes', async () => {
    await api.call('DELETE', `/v1/videos/${completed.id}`, { token: tokenB });
    await api.call('POST', `/v1/videos/${completed.id}/cancel`, { token: tokenB });

    const got = await api.call('GET', `/v1/videos/${completed.id}`, { token: tokenA });
    const content = await api.call('GET', `/v1/videos/${completed.id}/content`, { token: tokenA });

    expect(got.body).toMatchObject({ status: 'completed', content: { sha256: completed.content.sha256 } });
    expect(content.status).toBe(302);
    const url = new URL(content.headers.get('location') ?? '');
    // A presigned S3 URL for A's own object, valid for at most 15 minutes.
    expect(url.pathname).toContain(`/videos/`);
    expect(url.pathname).toContain(`/${completed.id}/video.mp4`);
    expect(Number(url.searchParams.get('X-Amz-Expires'))).toBeGreaterThan(0);
    expect(Number(url.searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(15 * 60);
  });

  it('never lists A’s videos in B’s list, with or without a status filter or paging', async () => {
    const ownOfB = await createVideo(api, tokenB, { prompt: uniquePrompt('B’s own clip') });

    const pages = [];
    let after: string | null = null;
    do {
      const query: string = `/v1/videos?limit=1${after ? `&after=${encodeURIComponent(after)}` : ''}`;
      const reply = await api.call('GET', query, { token: tokenB });
      expect(reply.status).toBe(200);
      pages.push(...reply.body.data);
      after = reply.body.next_cursor;
    } while (after !== null);
    const completedOnly = await api.call('GET', '/v1/videos?status=completed', { token: tokenB });

    expect(pages.map((video) => video.id)).toEqual([ownOfB.id]);
    expect(completedOnly.body.data.map((video: { id: string }) => video.id)).not.toContain(completed.id);
  });

  it('answers 400 when B pages with a cursor taken from A’s list', async () => {
    await createVideo(api, tokenA, { prompt: uniquePrompt('Another of A’s clips') });
    const pageOfA = await api.call('GET', '/v1/videos?limit=1', { token: tokenA });
    expect(pageOfA.body.next_cursor).toEqual(expect.any(String));

    const reply = await api.call('GET', `/v1/videos?after=${encodeURIComponent(pageOfA.body.next_cursor)}`, {
      token: tokenB,
    });

    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatchObject({ code: 'invalid_parameter', param: 'after' });
  });
});

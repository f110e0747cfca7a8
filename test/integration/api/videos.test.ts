import { HeadObjectCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulator, eventually, executionArnOf, sfnClient, waitForExecutionEnd } from '../../helpers/api';
import { useLocalStack } from '../../helpers/local-stack';
import { ContractClient } from './contract';
import { expectCovered } from './coverage';
import { createVideo, isTerminal, jobsFor, providerJob, uniquePrompt, uniqueUser, waitForVideo } from './support';

// The video routes through HTTP against the local stack; every reply is checked against GET /v1/openapi.json.
const stack = useLocalStack();
const sfn = sfnClient(stack);
const s3 = new S3Client({
  endpoint: stack.s3Endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  forcePathStyle: true,
});
let api: ContractClient;

beforeAll(async () => {
  api = await ContractClient.connect(stack);
});
afterAll(() => {
  sfn.destroy();
  s3.destroy();
  expectCovered(api, 'videos');
});

async function objectExists(key: string): Promise<boolean> {
  const { Buckets = [] } = await s3.send(new ListBucketsCommand({}));
  try {
    await s3.send(new HeadObjectCommand({ Bucket: Buckets[0]!.Name, Key: key }));
    return true;
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw error;
  }
}

/** A video whose provider job never finishes (it stays in progress until cancelled or timed out). */
async function videoInProgress(token: string, label: string) {
  const prompt = uniquePrompt(label);
  await emulator.faults(stack, { never_finish: { match: prompt, count: 1 } });
  const video = await createVideo(api, token, { prompt });
  await waitForVideo(api, token, video.id, (status) => status === 'in_progress');
  return { video, prompt };
}

describe('video routes', () => {
  it('returns 202 with Location, then the video by id and in the list, and 409 video_not_ready before completion', async () => {
    const userId = uniqueUser('routes-create');
    const token = await stack.token(userId);
    const { video } = await videoInProgress(token, 'A slow tide');

    const got = await api.call('GET', `/v1/videos/${video.id}`, { token });
    const list = await api.call('GET', '/v1/videos?limit=5', { token });
    const content = await api.call('GET', `/v1/videos/${video.id}/content`, { token });

    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      id: video.id,
      object: 'video',
      status: 'in_progress',
      remixed_from_video_id: null,
    });
    expect(list.status).toBe(200);
    expect(list.body.data.map((item: { id: string }) => item.id)).toEqual([video.id]);
    expect(content.status).toBe(409);
    expect(content.body.error).toMatchObject({ code: 'video_not_ready' });
    expect(content.headers.get('location')).toBeNull();
    await api.call('POST', `/v1/videos/${video.id}/cancel`, { token });
  });

  it('remixes a completed video: a new video with remixed_from_video_id, made by the provider remix of the source job', async () => {
    const token = await stack.token(uniqueUser('routes-remix'));
    const sourcePrompt = uniquePrompt('A paper boat on a pond');
    const remixPrompt = uniquePrompt('The same boat, at night');
    const source = await createVideo(api, token, { prompt: sourcePrompt, size: '1280x720', seconds: '8' });
    await waitForVideo(api, token, source.id, isTerminal);

    const remix = await api.call('POST', `/v1/videos/${source.id}/remix`, { token, json: { prompt: remixPrompt } });
    expect(remix.status, JSON.stringify(remix.body)).toBe(202);
    expect(remix.headers.get('location')).toBe(`/v1/videos/${remix.body.id}`);
    const done = await waitForVideo(api, token, remix.body.id, isTerminal);

    expect(remix.body).toMatchObject({
      object: 'video',
      status: 'queued',
      prompt: remixPrompt,
      remixed_from_video_id: source.id,
      size: '1280x720',
      seconds: '8',
      model: source.model,
    });
    expect(remix.body.id).not.toBe(source.id);
    expect(done).toMatchObject({ status: 'completed', remixed_from_video_id: source.id });
    const [sourceJob] = await jobsFor(stack, sourcePrompt);
    const remixJobs = await jobsFor(stack, remixPrompt);
    expect(remixJobs).toHaveLength(1);
    expect(await providerJob(stack, remixJobs[0]!.id)).toMatchObject({ remixed_from_video_id: sourceJob!.id });
  });

  it('returns 409 video_not_ready when remixing a video that is not completed, and starts nothing', async () => {
    const userId = uniqueUser('routes-remix-early');
    const token = await stack.token(userId);
    const { video } = await videoInProgress(token, 'An unfinished source');
    const remixPrompt = uniquePrompt('A remix too early');

    const remix = await api.call('POST', `/v1/videos/${video.id}/remix`, { token, json: { prompt: remixPrompt } });

    expect(remix.status).toBe(409);
    expect(remix.body.error).toMatchObject({ code: 'video_not_ready', type: 'invalid_request_error' });
    const list = await api.call('GET', '/v1/videos', { token });
    expect(list.body.data).toHaveLength(1);
    await api.call('POST', `/v1/videos/${video.id}/cancel`, { token });
  });

  it('cancels a video in progress: 200 cancelled, charge held (null) while the provider job runs, execution aborted; a second cancel is 409 invalid_state', async () => {
    const token = await stack.token(uniqueUser('routes-cancel'));
    const { video } = await videoInProgress(token, 'A video to cancel');

    const cancelled = await api.call('POST', `/v1/videos/${video.id}/cancel`, { token });
    const execution = await waitForExecutionEnd(sfn, executionArnOf(stack, video.id));
    const again = await api.call('POST', `/v1/videos/${video.id}/cancel`, { token });
    const after = await api.call('GET', `/v1/videos/${video.id}`, { token });

    expect(cancelled.status).toBe(200);
    // The provider accepted the job (which never finishes here): the provider's outcome will decide the charge.
    expect(cancelled.body).toMatchObject({ id: video.id, status: 'cancelled', cost: { charged_micros: null } });
    expect(execution.status).toBe('ABORTED');
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'invalid_state' });
    expect(after.body).toMatchObject({ status: 'cancelled', cost: { charged_micros: null } });
  });

  it('accepts a cancel with an empty JSON object as its body', async () => {
    const token = await stack.token(uniqueUser('routes-cancel-body'));
    const { video } = await videoInProgress(token, 'A video cancelled with a body');

    const cancelled = await api.call('POST', `/v1/videos/${video.id}/cancel`, { token, json: {} });

    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
  });

  it('returns 409 invalid_state when cancelling a completed video, which stays completed and charged', async () => {
    const token = await stack.token(uniqueUser('routes-cancel-done'));
    const video = await createVideo(api, token, { prompt: uniquePrompt('A finished clip') });
    const done = await waitForVideo(api, token, video.id, isTerminal);

    const cancel = await api.call('POST', `/v1/videos/${video.id}/cancel`, { token });

    expect(done.status).toBe('completed');
    expect(cancel.status).toBe(409);
    expect(cancel.body.error).toMatchObject({ code: 'invalid_state' });
    const after = await api.call('GET', `/v1/videos/${video.id}`, { token });
    expect(after.body).toMatchObject({ status: 'completed', cost: { charged_micros: done.cost.charged_micros } });
  });

  it('returns 409 invalid_state when deleting a video that is not finished, and deletes nothing', async () => {
    const token = await stack.token(uniqueUser('routes-delete-early'));
    const { video } = await videoInProgress(token, 'A video still running');

    const deleted = await api.call('DELETE', `/v1/videos/${video.id}`, { token });

    expect(deleted.status).toBe(409);
    expect(deleted.body.error).toMatchObject({ code: 'invalid_state' });
    expect((await api.call('GET', `/v1/videos/${video.id}`, { token })).status).toBe(200);
    await api.call('POST', `/v1/videos/${video.id}/cancel`, { token });
  });

  it('deletes a completed video: its objects go, it answers 404 everywhere and leaves the list; cost stays', async () => {
    const userId = uniqueUser('routes-delete');
    const token = await stack.token(userId);
    const kept = await createVideo(api, token, { prompt: uniquePrompt('A clip that stays') });
    const video = await createVideo(api, token, { prompt: uniquePrompt('A clip to delete') });
    const done = await waitForVideo(api, token, video.id, isTerminal);
    expect(done.status).toBe('completed');
    const keys = ['video.mp4', 'thumbnail.webp', 'spritesheet.jpg'].map(
      (file) => `videos/${userId}/${video.id}/${file}`,
    );
    expect(await Promise.all(keys.map(objectExists))).toEqual([true, true, true]);

    const deleted = await api.call('DELETE', `/v1/videos/${video.id}`, { token });

    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ id: video.id, object: 'video.deleted', deleted: true });
    expect(await Promise.all(keys.map(objectExists))).toEqual([false, false, false]);
    for (const [method, path] of [
      ['GET', `/v1/videos/${video.id}`],
      ['GET', `/v1/videos/${video.id}/content`],
      ['DELETE', `/v1/videos/${video.id}`],
      ['POST', `/v1/videos/${video.id}/cancel`],
    ] as const) {
      const reply = await api.call(method, path, { token });
      expect(reply.status, `${method} ${path}`).toBe(404);
      expect(reply.body.error.code).toBe('not_found');
    }
    const remix = await api.call('POST', `/v1/videos/${video.id}/remix`, { token, json: { prompt: 'again' } });
    expect(remix.status).toBe(404);
    const list = await api.call('GET', '/v1/videos', { token });
    expect(list.body.data.map((item: { id: string }) => item.id)).toEqual([kept.id]);
    const usage = await api.call('GET', `/v1/usage?month=${new Date().toISOString().slice(0, 7)}`, { token });
    if (usage.status === 200) expect(usage.body.charged_micros).toBeGreaterThanOrEqual(done.cost.charged_micros);
  });

  it('lets a remix outlive the deletion of its source', async () => {
    const token = await stack.token(uniqueUser('routes-delete-source'));
    const source = await createVideo(api, token, { prompt: uniquePrompt('A source to delete') });
    await waitForVideo(api, token, source.id, isTerminal);
    const remix = await api.call('POST', `/v1/videos/${source.id}/remix`, {
      token,
      json: { prompt: uniquePrompt('A remix that stays') },
    });
    const remixDone = await waitForVideo(api, token, remix.body.id, isTerminal);

    const deleted = await api.call('DELETE', `/v1/videos/${source.id}`, { token });
    const after = await api.call('GET', `/v1/videos/${remix.body.id}`, { token });

    expect(remixDone.status).toBe('completed');
    expect(deleted.status).toBe(200);
    expect(after.body).toMatchObject({ status: 'completed', remixed_from_video_id: source.id });
  });

  it('keeps a video cancelled right after its create cancelled, even if its provider job finishes, and settles it once', async () => {
    const token = await stack.token(uniqueUser('routes-cancel-queued'));
    const prompt = uniquePrompt('Cancelled right away');
    const video = await createVideo(api, token, { prompt });

    const cancelled = await api.call('POST', `/v1/videos/${video.id}/cancel`, { token });
    const execution = await waitForExecutionEnd(sfn, executionArnOf(stack, video.id));
    // If the job was created before the stop, let it finish: nothing may complete the video afterwards.
    await eventually('the provider job (if any) finishing', async () => {
      const jobs = await jobsFor(stack, prompt);
      return jobs.every((job) => job.status === 'completed') ? true : undefined;
    });
    // Cancelled before the provider accepted the job: 0 at once; after: its price once the provider billed it.
    const after = await eventually('the cancelled video settled', async () => {
      const reply = await api.call('GET', `/v1/videos/${video.id}`, { token });
      return reply.body.cost.charged_micros === null ? undefined : reply;
    });

    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect(execution.status).toBe('ABORTED');
    expect(after.body).toMatchObject({ status: 'cancelled', content: null });
    expect([0, video.cost.estimated_micros]).toContain(after.body.cost.charged_micros);
    expect(cancelled.body.cost.charged_micros === 0 ? 0 : video.cost.estimated_micros).toBe(
      after.body.cost.charged_micros,
    );
  });

  it('answers a remix the budget or quotas cannot cover with 402 budget_exceeded or 429 quota_exceeded, and starts nothing', async () => {
    const userId = uniqueUser('routes-remix-money');
    const token = await stack.token(userId);
    const finance = await stack.token(uniqueUser('routes-finance'), ['finance']);
    const source = await createVideo(api, token, { prompt: uniquePrompt('A budgeted source') });
    const done = await waitForVideo(api, token, source.id, isTerminal);
    const limits = (body: Record<string, number>) =>
      api.call('PUT', `/v1/admin/users/${encodeURIComponent(userId)}/limits`, { token: finance, json: body });
    const remix = () =>
      api.call('POST', `/v1/videos/${source.id}/remix`, { token, json: { prompt: uniquePrompt('Too costly') } });

    expect((await limits({ budget_micros: done.cost.charged_micros + 1 })).status).toBe(200);
    const overBudget = await remix();
    expect((await limits({ budget_micros: 100_000_000, max_per_day: 1 })).status).toBe(200);
    const overQuota = await remix();

    expect(overBudget.status).toBe(402);
    expect(overBudget.body.error).toMatchObject({ code: 'budget_exceeded' });
    expect(overQuota.status).toBe(429);
    expect(overQuota.body.error).toMatchObject({ code: 'quota_exceeded' });
    expect(Number(overQuota.headers.get('retry-after'))).toBeGreaterThan(0);
    const list = await api.call('GET', '/v1/videos', { token });
    expect(list.body.data.map((video: { id: string }) => video.id)).toEqual([source.id]);
  });
});

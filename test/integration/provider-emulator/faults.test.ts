import { createHash } from 'node:crypto';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../../local/provider-emulator/index';
import { inspectMp4 } from '../../helpers/iso-bmff';
import { OpenApiValidator, type WireRecord } from './openapi-validator';
import { bodyBytes, emulatorJobs, resetEmulator, sdkClient, setFaults, waitForTerminal } from './support';

const JOB_MS = 300;

describe('provider emulator faults', () => {
  const validator = new OpenApiValidator();
  let emulator: RunningEmulator;
  let records: WireRecord[];
  let client: OpenAI;

  beforeAll(async () => {
    emulator = await startEmulator({ jobMs: JOB_MS });
  });
  afterAll(async () => {
    await emulator.close();
  });
  beforeEach(async () => {
    await resetEmulator(emulator);
    records = [];
    client = sdkClient(emulator, records);
  });
  afterEach(() => {
    expect(validator.validateAll(records)).toEqual([]);
  });

  async function completedVideo(prompt: string): Promise<OpenAI.Videos.Video> {
    const created = await client.videos.create({ prompt, size: '1280x720', seconds: '4' });
    return waitForTerminal(client, created.id);
  }

  it('returns 429 with retry-after and x-ratelimit headers when requests per minute are exceeded', async () => {
    await setFaults(emulator, { requests_per_minute: 2 });

    const first = await client.videos.list().withResponse();
    await client.videos.list();
    const limited = (await client.videos.list().catch((e: unknown) => e)) as InstanceType<typeof OpenAI.RateLimitError>;

    expect(first.response.headers.get('x-ratelimit-limit-requests')).toBe('2');
    expect(first.response.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect(limited).toMatchObject({ status: 429, code: 'rate_limit_exceeded', type: 'requests' });
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(limited.headers.get('x-ratelimit-reset-requests')).toMatch(/^\d+(ms|s|m\d+s)$/);
  });

  it('returns 429 with retry-after to a create over max_concurrent_jobs, and accepts one once a job has ended', async () => {
    await setFaults(emulator, { max_concurrent_jobs: 2 });
    const first = await client.videos.create({ prompt: 'limit one', size: '1280x720', seconds: '4' });
    await client.videos.create({ prompt: 'limit two', size: '1280x720', seconds: '4' });

    const limited = (await client.videos
      .create({ prompt: 'limit three', size: '1280x720', seconds: '4' })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.RateLimitError>;
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect(limited).toMatchObject({ status: 429, code: 'rate_limit_exceeded', type: 'requests' });
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);

    await waitForTerminal(client, first.id);
    const third = await client.videos.create({ prompt: 'limit three', size: '1280x720', seconds: '4' });
    const jobs = await emulatorJobs(emulator);
    expect(third.status).toBe('queued');
    expect(jobs.max_running_jobs).toBe(2);
    expect(jobs.data.filter((job) => job.prompt === 'limit three')).toHaveLength(1);
  });

  it('returns success after the SDK retries a 429 storm, the emulator having counted every attempt', async () => {
    const video = await completedVideo('storm target');
    await setFaults(emulator, { rate_limit_storm: { count: 2, retry_after_ms: 20 } });
    const before = (await emulatorJobs(emulator)).requests.retrieve ?? 0;
    const patient = sdkClient(emulator, records, 2);

    const retrieved = await patient.videos.retrieve(video.id);
    const after = (await emulatorJobs(emulator)).requests.retrieve ?? 0;

    expect(retrieved.id).toBe(video.id);
    expect(after - before).toBe(3);
    expect(records.slice(-3).map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it('returns RateLimitError when the storm outlasts the retries', async () => {
    await setFaults(emulator, { rate_limit_storm: { count: 3, retry_after_ms: 10, retry_after_seconds: 1 } });
    const impatient = sdkClient(emulator, records, 1);

    const error = await impatient.videos.list().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const headers = (error as InstanceType<typeof OpenAI.RateLimitError>).headers;
    expect(headers.get('retry-after')).toBe('1');
    expect(headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(headers.get('x-ratelimit-reset-requests')).toBe('1s');
  });

  for (const status of [500, 503] as const) {
    it(`returns success after the SDK retries a burst of ${status}s on the create route only`, async () => {
      await setFaults(emulator, { error_burst: { status, count: 2, routes: ['create'] } });
      const patient = sdkClient(emulator, records, 2);

      await client.videos.list();
      const video = await patient.videos.create({ prompt: `after a ${status} burst` });
      const state = await emulatorJobs(emulator);

      expect(video.status).toBe('queued');
      expect(state.create_requests).toBe(3);
      expect(state.data).toHaveLength(1);
      expect(records.map((r) => r.status)).toEqual([200, status, status, 200]);
    });
  }

  it('returns InternalServerError when a 500 burst outlasts the retries', async () => {
    await setFaults(emulator, { error_burst: { status: 500, count: 2 } });

    const error = await client.videos.list().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error).toMatchObject({ status: 500, type: 'server_error' });
  });

  it('returns failed only for jobs matching the fault, while other jobs complete', async () => {
    await setFaults(emulator, { fail_generation: { code: 'moderation_blocked', match: '[fail-me]', count: 1 } });

    const doomed = await client.videos.create({ prompt: 'first [fail-me]' });
    const bystander = await client.videos.create({ prompt: 'an innocent bystander' });
    const second = await client.videos.create({ prompt: 'second [fail-me]' });
    const [doomedEnd, bystanderEnd, secondEnd] = await Promise.all(
      [doomed, bystander, second].map((v) => waitForTerminal(client, v.id)),
    );

    expect(doomedEnd).toMatchObject({ status: 'failed', error: { code: 'moderation_blocked' } });
    expect(bystanderEnd?.status).toBe('completed');
    expect(secondEnd?.status).toBe('completed');
  });

  it('returns in_progress forever when a job never finishes', async () => {
    await setFaults(emulator, { never_finish: { match: '[stuck]' } });
    const stuck = await client.videos.create({ prompt: 'forever [stuck]' });
    const normal = await client.videos.create({ prompt: 'finishes' });

    await waitForTerminal(client, normal.id);
    await new Promise((resolve) => setTimeout(resolve, JOB_MS * 3));
    const still = await client.videos.retrieve(stuck.id);

    expect(still.status).toBe('in_progress');
    expect(still.progress).toBeLessThan(100);
    expect(still.completed_at).toBeNull();
  });

  it('returns a body cut short at N bytes for the counted downloads, then the whole video on retry', async () => {
    await setFaults(emulator, { synthetic_video_bytes: 1024 * 1024 });
    const video = await completedVideo('dropped download');
    await setFaults(emulator, { drop_download_after_bytes: { bytes: 100_000, count: 1, match: 'dropped' } });

    const broken = await client.videos.downloadContent(video.id);
    const received: number[] = [];
    const brokenRead = await (async () => {
      for await (const chunk of broken.body as unknown as AsyncIterable<Uint8Array>) received.push(chunk.length);
    })().catch((e: unknown) => e);
    const retried = await bodyBytes(await client.videos.downloadContent(video.id));
    const state = await emulatorJobs(emulator);

    expect(broken.headers.get('content-length')).toBe(String(1024 * 1024));
    expect(brokenRead).toBeInstanceOf(Error);
    expect(received.reduce((a, b) => a + b, 0)).toBe(100_000);
    expect(retried.length).toBe(1024 * 1024);
    expect(createHash('sha256').update(retried).digest('hex')).toBe(state.data[0]?.content?.sha256);
  });

  it('returns the download unfinished by a deadline when downloads are slow', async () => {
    await setFaults(emulator, { synthetic_video_bytes: 256 * 1024 });
    const video = await completedVideo('slow download');
    const fast = await bodyBytes(await client.videos.downloadContent(video.id));
    // 256 B/s for a 3 s window is under 1 KiB, far below the 64 KiB bound and the 256 KiB body: a loaded machine
    // cannot push it over either.
    await setFaults(emulator, { slow_download_bytes_per_second: 256 });

    const slow = await client.videos.downloadContent(video.id, {}, { signal: AbortSignal.timeout(3_000) });
    let received = 0;
    const outcome = await (async () => {
      for await (const chunk of slow.body as unknown as AsyncIterable<Uint8Array>) received += chunk.length;
    })().catch((e: unknown) => e);

    expect(fast.length).toBe(256 * 1024);
    expect(outcome).toBeInstanceOf(Error);
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(64 * 1024);
  });

  it('returns a connection error to the client while keeping exactly one job when dropped after create', async () => {
    await setFaults(emulator, { drop_after_create: { match: '[crash]' } });

    const error = await client.videos.create({ prompt: 'accepted then [crash]' }).catch((e: unknown) => e);
    const state = await emulatorJobs(emulator);
    const again = await client.videos.create({ prompt: 'accepted then [crash] again' });

    expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(state.create_requests).toBe(1);
    expect(state.data).toHaveLength(1);
    expect(state.data[0]?.prompt).toBe('accepted then [crash]');
    expect(again.status).toBe('queued');
  });

  it('returns the create’s answer only after its delay while the job already exists, when the answer is delayed', async () => {
    await setFaults(emulator, { delay_create_answer: { match: '[slow answer]', ms: 3000 } });
    let answered = false;

    const create = client.videos.create({ prompt: 'in flight [slow answer]' }).then((video) => {
      answered = true;
      return video;
    });
    const deadline = Date.now() + 2000;
    let listed = (await emulatorJobs(emulator)).data;
    while (listed.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      listed = (await emulatorJobs(emulator)).data;
    }
    const answeredWhenListed = answered;
    const video = await create;

    expect(listed.map((job) => job.prompt)).toEqual(['in flight [slow answer]']);
    expect(answeredWhenListed).toBe(false);
    expect(video.id).toBe((listed[0] as { id: string }).id);
  });

  it('returns a synthetic MP4 of exactly the configured size whose hash the control route reports', async () => {
    const bytes = 3 * 1024 * 1024 + 17;
    await setFaults(emulator, { synthetic_video_bytes: bytes });
    const video = await completedVideo('synthetic size');

    const response = await client.videos.downloadContent(video.id);
    const mp4 = await bodyBytes(response);
    const state = await emulatorJobs(emulator);

    expect(response.headers.get('content-length')).toBe(String(bytes));
    expect(mp4.length).toBe(bytes);
    expect(inspectMp4(mp4)).toMatchObject({ width: 1280, height: 720, durationSeconds: 4 });
    expect(inspectMp4(mp4).topLevel.at(-1)).toBe('free');
    expect(state.data[0]?.content).toEqual({ bytes, sha256: createHash('sha256').update(mp4).digest('hex') });
  });

  it('returns no faults and no jobs after a reset', async () => {
    await setFaults(emulator, { requests_per_minute: 1, never_finish: {} });
    await client.videos.create({ prompt: 'to be forgotten' });

    await resetEmulator(emulator);
    const state = await emulatorJobs(emulator);
    const faults = await (await fetch(`${emulator.origin}/__emulator/faults`)).json();
    const listed = await client.videos.list();
    const listedAgain = await client.videos.list();

    expect(state).toMatchObject({ data: [], create_requests: 0 });
    expect(faults).toEqual({ faults: {} });
    expect(listed.data).toEqual([]);
    expect(listedAgain.data).toEqual([]);
  });

  it('rejects fault JSON it does not know with 400', async () => {
    const response = await fetch(`${emulator.origin}/__emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ error_burst: { status: 418, count: 1 } }),
    });

    const faults = await (await fetch(`${emulator.origin}/__emulator/faults`)).json();

    expect(response.status).toBe(400);
    expect(faults).toEqual({ faults: {} });
  });
});

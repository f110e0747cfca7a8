import { randomUUID } from 'node:crypto';
import OpenAI, { toFile } from 'openai';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { fixture } from '../../../local/provider-emulator/content';
import { type RunningEmulator, startEmulator } from '../../../local/provider-emulator/index';
import { inspectMp4 } from '../../helpers/iso-bmff';
import { OpenApiValidator, type WireRecord } from './openapi-validator';
import { bodyBytes, emulatorJobs, resetEmulator, sdkClient, setFaults, waitFor, waitForTerminal } from './support';

const JOB_MS = 400;

describe('provider emulator conformance through the openai SDK', () => {
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
    // Every JSON response of every test, as it was on the wire, matches OpenAI's schema.
    expect(records.length).toBeGreaterThan(0);
    expect(validator.validateAll(records)).toEqual([]);
  });

  it('returns a queued job, then in_progress with rising progress, then completed with timestamps', async () => {
    // A longer job than the other tests', so that several polls land while it is in progress even on a busy machine.
    const slow = await startEmulator({ jobMs: 2_000 });
    client = sdkClient(slow, records);
    onTestFinished(() => slow.close());
    const created = await client.videos.create({
      prompt: `a lighthouse ${randomUUID()}`,
      size: '1280x720',
      seconds: '8',
    });
    expect(created).toMatchObject({ object: 'video', status: 'queued', progress: 0, model: 'sora-2' });
    expect(created).toMatchObject({
      size: '1280x720',
      seconds: '8',
      completed_at: null,
      expires_at: null,
      error: null,
    });

    const progresses: number[] = [];
    const done = await waitFor('completion', async () => {
      const video = await client.videos.retrieve(created.id);
      if (video.status === 'in_progress') progresses.push(video.progress);
      return video.status === 'completed' ? video : undefined;
    });

    expect(progresses.length).toBeGreaterThan(1);
    expect(progresses).toEqual([...progresses].sort((a, b) => a - b));
    expect(progresses.every((p) => p > 0 && p < 100)).toBe(true);
    expect(done.progress).toBe(100);
    expect(done.completed_at).toBeGreaterThanOrEqual(created.created_at);
    expect(done.expires_at).toBe((done.completed_at ?? 0) + 3600);
  });

  it('returns defaults and accepts a JSON body when the SDK posts JSON', async () => {
    const json = await client.post<OpenAI.Videos.Video>('/videos', {
      body: { prompt: 'a JSON body', input_reference: { image_url: 'https://example.com/ref.png' } },
    });

    expect(json).toMatchObject({ model: 'sora-2', size: '720x1280', seconds: '4', status: 'queued' });
  });

  it('accepts an uploaded input_reference file when the SDK sends multipart', async () => {
    const video = await client.videos.create({
      prompt: 'with a reference image',
      model: 'sora-2-pro',
      size: '1792x1024',
      seconds: '12',
      input_reference: await toFile(fixture('thumbnail-1792x1024.webp'), 'ref.webp', { type: 'image/webp' }),
    });

    expect(video).toMatchObject({ model: 'sora-2-pro', size: '1792x1024', seconds: '12' });
  });

  it('returns a playable MP4, a WebP thumbnail and a JPEG spritesheet when a job completed', async () => {
    const created = await client.videos.create({ prompt: 'tall content', size: '1024x1792', seconds: '4' });
    await waitForTerminal(client, created.id);

    const video = await client.videos.downloadContent(created.id);
    const mp4 = await bodyBytes(video);
    const thumbnail = await client.videos.downloadContent(created.id, { variant: 'thumbnail' });
    const webp = await bodyBytes(thumbnail);
    const spritesheet = await client.videos.downloadContent(created.id, { variant: 'spritesheet' });
    const jpeg = await bodyBytes(spritesheet);

    expect(video.headers.get('content-type')).toBe('video/mp4');
    expect(Number(video.headers.get('content-length'))).toBe(mp4.length);
    expect(inspectMp4(mp4)).toMatchObject({ width: 1024, height: 1792, durationSeconds: 4, codec: 'avc1' });
    expect(inspectMp4(mp4).topLevel).toEqual(expect.arrayContaining(['ftyp', 'moov', 'mdat']));
    expect(thumbnail.headers.get('content-type')).toBe('image/webp');
    expect(webp.subarray(8, 12).toString('latin1')).toBe('WEBP');
    expect(spritesheet.headers.get('content-type')).toBe('image/jpeg');
    expect([...jpeg.subarray(0, 2)]).toEqual([0xff, 0xd8]);
    // The download route answered bytes, not JSON; the retrieve calls above were validated.
  });

  it('returns every job across pages with first_id, last_id and has_more when listing', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push((await client.videos.create({ prompt: `page item ${i}` })).id);

    const first = await client.videos.list({ limit: 2 });
    const firstBody = records.at(-1)?.json as { first_id: string; last_id: string; has_more: boolean };
    const newestFirst: string[] = [];
    for await (const video of client.videos.list({ limit: 2 })) newestFirst.push(video.id);
    const oldestFirst: string[] = [];
    for await (const video of client.videos.list({ limit: 3, order: 'asc' })) oldestFirst.push(video.id);
    const last = await client.videos.list({ limit: 2, after: ids[1] });
    const lastBody = records.at(-1)?.json as { has_more: boolean; last_id: string };

    expect(first.data.map((v) => v.id)).toEqual([ids[4], ids[3]]);
    expect(firstBody).toMatchObject({ first_id: ids[4], last_id: ids[3], has_more: true });
    expect(newestFirst).toEqual([...ids].reverse());
    expect(oldestFirst).toEqual(ids);
    expect(last.data.map((v) => v.id)).toEqual([ids[0]]);
    expect(lastBody).toMatchObject({ has_more: false, last_id: ids[0] });
  });

  it('returns video.deleted and then 404 when a completed job is deleted', async () => {
    const created = await client.videos.create({ prompt: 'to delete' });
    await waitForTerminal(client, created.id);

    const deleted = await client.videos.delete(created.id);
    const after = await client.videos.retrieve(created.id).catch((error: unknown) => error);

    expect(deleted).toEqual({ id: created.id, object: 'video.deleted', deleted: true });
    expect(after).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('returns new jobs derived from the source when remixing, editing and extending', async () => {
    const source = await client.videos.create({ prompt: 'the source', size: '720x1280', seconds: '8' });
    await waitForTerminal(client, source.id);

    const remix = await client.videos.remix(source.id, { prompt: 'the remix' });
    const edit = await client.videos.edit({ prompt: 'the edit', video: { id: source.id } });
    const upload = await client.videos.edit({
      prompt: 'edit an upload',
      video: await toFile(fixture('video-720x1280-4s.mp4'), 'clip.mp4', { type: 'video/mp4' }),
    });
    const extension = await client.videos.extend({ prompt: 'the extension', video: { id: source.id }, seconds: '12' });
    const extended = await waitForTerminal(client, extension.id);
    const extendedMp4 = inspectMp4(await bodyBytes(await client.videos.downloadContent(extension.id)));
    const jsonExtension = await client.post<OpenAI.Videos.Video>('/videos/extensions', {
      body: { prompt: 'a JSON extension', video: { id: source.id }, seconds: '4' },
    });
    const jsonEdit = await client.post<OpenAI.Videos.Video>('/videos/edits', {
      body: { prompt: 'a JSON edit', video: { id: source.id } },
    });

    expect(remix).toMatchObject({
      prompt: 'the remix',
      remixed_from_video_id: source.id,
      size: '720x1280',
      seconds: '8',
    });
    expect(edit).toMatchObject({ prompt: 'the edit', size: '720x1280', seconds: '8', status: 'queued' });
    expect(upload).toMatchObject({ prompt: 'edit an upload', status: 'queued' });
    expect(extended).toMatchObject({ status: 'completed', seconds: '20' });
    expect(extendedMp4).toMatchObject({ width: 720, height: 1280, durationSeconds: 20 });
    expect(jsonExtension).toMatchObject({ prompt: 'a JSON extension', seconds: '12' });
    expect(jsonEdit).toMatchObject({ prompt: 'a JSON edit', seconds: '8' });
  });

  it('returns 400 naming the param when prompt, model, seconds or size is invalid', async () => {
    const attempts = {
      prompt: client.videos.create({ prompt: 'x'.repeat(32_001) }),
      model: client.videos.create({ prompt: 'p', model: 'sora-3' }),
      seconds: client.videos.create({ prompt: 'p', seconds: '5' as '4' }),
      size: client.videos.create({ prompt: 'p', size: '640x480' as '720x1280' }),
      missing: client.post('/videos', { body: { model: 'sora-2' } }),
      unknown: client.post('/videos', { body: { prompt: 'p', colour: 'red' } }),
      typed: client.post('/videos', { body: { prompt: 'p', seconds: 8 } }),
      empty: client.videos.remix('video_x', { prompt: '' }),
      extension: client.videos.extend({ prompt: 'p', video: { id: 'video_x' }, seconds: '16' as '4' }),
    };

    const errors = Object.fromEntries(
      await Promise.all(
        Object.entries(attempts).map(async ([name, attempt]) => [name, await attempt.catch((error: unknown) => error)]),
      ),
    ) as Record<keyof typeof attempts, InstanceType<typeof OpenAI.APIError>>;

    for (const error of Object.values(errors)) expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(errors.prompt.param).toBe('prompt');
    expect(errors.prompt.code).toBe('string_above_max_length');
    expect(errors.model.param).toBe('model');
    expect(errors.seconds.param).toBe('seconds');
    expect(errors.size.param).toBe('size');
    expect(errors.missing).toMatchObject({ param: 'prompt', code: 'missing_required_parameter' });
    expect(errors.unknown).toMatchObject({ param: 'colour', code: 'unknown_parameter' });
    expect(errors.typed).toMatchObject({ param: 'seconds', code: 'invalid_type' });
    expect(errors.empty).toMatchObject({ param: 'prompt', code: 'string_below_min_length' });
    expect(errors.extension.param).toBe('seconds');
    // Rejected creates still count, and none of them made a job.
    expect(await emulatorJobs(emulator)).toMatchObject({ create_requests: 7, data: [] });
  });

  it('returns 401 when the bearer key is wrong', async () => {
    const intruder = sdkClient(emulator, records, 0, 'sk-wrong');

    const error = await intruder.videos.list().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error).toMatchObject({ status: 401, code: 'invalid_api_key', type: 'invalid_request_error' });
  });

  it('returns 404 when the video is unknown, not ready, or its content expired', async () => {
    const pending = await client.videos.create({ prompt: 'not yet' });
    const notReady = await client.videos.downloadContent(pending.id).catch((e: unknown) => e);
    const unknown = await client.videos.retrieve('video_does_not_exist').catch((e: unknown) => e);
    await setFaults(emulator, { content_ttl_seconds: 0 });
    const expiring = await client.videos.create({ prompt: 'expires at once' });
    await waitForTerminal(client, expiring.id);
    const expired = await client.videos.downloadContent(expiring.id).catch((e: unknown) => e);

    expect(notReady).toBeInstanceOf(OpenAI.NotFoundError);
    expect(notReady).toMatchObject({ code: 'video_not_ready' });
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect(expired).toBeInstanceOf(OpenAI.NotFoundError);
    expect(expired).toMatchObject({ code: 'video_expired' });
  });

  it('returns a failed job with its error code when generation is blocked', async () => {
    await setFaults(emulator, { fail_generation: { code: 'moderation_blocked', match: '[blocked]' } });

    const created = await client.videos.create({ prompt: 'something [blocked]' });
    const failed = await waitForTerminal(client, created.id);
    const content = await client.videos.downloadContent(created.id).catch((e: unknown) => e);

    expect(failed).toMatchObject({ status: 'failed', completed_at: null, expires_at: null });
    expect(failed.error?.code).toBe('moderation_blocked');
    expect(content).toBeInstanceOf(OpenAI.NotFoundError);
  });
});

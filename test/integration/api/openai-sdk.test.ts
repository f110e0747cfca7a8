import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI, { toFile } from 'openai';
import type { VideoCreateParams } from 'openai/resources/videos';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_UPLOADS_PER_MINUTE, MAX_UPLOAD_BYTES } from '../../../shared/http/limits';
import { eventually } from '../../helpers/api';
import { pngOf } from '../../helpers/images';
import { useLocalStack } from '../../helpers/local-stack';
import { ContractClient } from './contract';
import { expectCovered } from './coverage';
import { openAiVideoValidator, type ValidateFunction } from './openai-video-schema';
import { jobsFor, uniquePrompt, uniqueUser } from './support';

// Apps written for the official `openai` SDK's `client.videos` work against reelflow with only `baseURL` and
// `apiKey` (the user's token) changed. The SDK is used as published; the only option besides those two is `fetch`,
// the contract client's, which checks every reply against GET /v1/openapi.json and records each request's
// content type and URL (so the test knows the SDK really sent a form, and really paged with `after`).
const stack = useLocalStack();
let api: ContractClient;
const sent: Array<{ method: string; url: URL; contentType: string | null }> = [];

async function sdkFor(userId: string): Promise<OpenAI> {
  return new OpenAI({
    baseURL: `${stack.baseUrl}/v1`,
    apiKey: await stack.token(userId),
    fetch: async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : input);
      // A FormData body gets its content type (multipart/form-data with a boundary) from fetch, as here.
      const body = init?.body;
      const contentType =
        body instanceof FormData
          ? new Request(url, { method: 'POST', body }).headers.get('content-type')
          : new Headers(init?.headers).get('content-type');
      sent.push({ method: init?.method ?? 'GET', url, contentType });
      return api.fetch(input, init);
    },
  });
}

/** Polls through the SDK until the video is finished (completed, failed or cancelled). */
function finished(client: OpenAI, videoId: string) {
  return eventually(
    `video ${videoId} finishing`,
    async () => {
      const video = await client.videos.retrieve(videoId);
      return ['completed', 'failed', 'cancelled'].includes(video.status) ? video : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
}

/**
 * A local image server on `localhost`, which only the integration stack's configuration lets an image_url reach;
 * `requested` holds the path of every request it received.
 */
const images = { server: undefined as Server | undefined, port: 0, requested: [] as string[] };

/** OpenAI's VideoResource schema (the reference copy of its API), checked on every video the SDK returns here. */
let openAiVideo: ValidateFunction;
function expectOpenAiVideo(video: unknown): void {
  expect(openAiVideo(video), JSON.stringify(openAiVideo.errors)).toBe(true);
}

beforeAll(async () => {
  api = await ContractClient.connect(stack);
  const png = pngOf(1280, 720);
  images.server = createServer((request, response) => {
    images.requested.push(request.url ?? '');
    response.writeHead(200, { 'content-type': 'image/png' }).end(png);
  });
  await new Promise<void>((resolve) => images.server!.listen(0, '127.0.0.1', resolve));
  images.port = (images.server.address() as AddressInfo).port;
  openAiVideo = await openAiVideoValidator();
});
afterAll(() => new Promise<void>((resolve) => images.server?.close(() => resolve())));
afterEach(() => {
  expect(api.violations.splice(0)).toEqual([]);
});
afterAll(() => expectCovered(api, 'openai-sdk'));

describe('the openai SDK against reelflow', () => {
  it('creates (multipart), retrieves, remixes (JSON and multipart), downloads and deletes through client.videos', async () => {
    // Prepare
    const client = await sdkFor(uniqueUser('sdk-lifecycle'));
    const prompt = uniquePrompt('A red kite over green hills');
    // metadata is reelflow's own field; the SDK sends a nested object as bracketed names (metadata[topic]).
    const params = { prompt, seconds: '4', size: '1280x720', metadata: { topic: 'kites' } } as VideoCreateParams;

    // Act
    const created = await client.videos.create(params);
    const completed = await finished(client, created.id);
    const remixed = await client.videos.remix(created.id, { prompt: uniquePrompt('The kite at dusk') });
    const form = new FormData();
    form.append('prompt', uniquePrompt('The kite in the rain'));
    // The SDK sends a FormData body as videos.create does (fetch encodes it as multipart/form-data).
    const remixedByForm = await client.post<OpenAI.Videos.Video>(`/videos/${created.id}/remix`, { body: form });
    const download = await client.videos.downloadContent(created.id);
    const bytes = Buffer.from(await download.arrayBuffer());
    const previews = await Promise.all(
      (['thumbnail', 'spritesheet'] as const).map(async (variant) => {
        const response = await client.videos.downloadContent(created.id, { variant });
        return {
          variant,
          status: response.status,
          type: response.headers.get('content-type'),
          bytes: (await response.arrayBuffer()).byteLength,
        };
      }),
    );
    await finished(client, remixed.id);
    await finished(client, remixedByForm.id);
    const deleted = await client.videos.delete(created.id);
    const afterDelete = await client.videos.retrieve(created.id).catch((error: unknown) => error);

    // Assess
    const createRequest = sent.find((request) => request.method === 'POST' && request.url.pathname === '/v1/videos');
    expect(createRequest?.contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(created).toMatchObject({
      object: 'video',
      status: 'queued',
      prompt,
      model: 'sora-2',
      seconds: '4',
      size: '1280x720',
      metadata: { topic: 'kites' },
    });
    expect(completed).toMatchObject({ id: created.id, status: 'completed', progress: 100 });
    for (const video of [created, completed, remixed, remixedByForm]) expectOpenAiVideo(video);
    expect(remixed).toMatchObject({ object: 'video', remixed_from_video_id: created.id, size: '1280x720' });
    expect(remixedByForm).toMatchObject({ object: 'video', remixed_from_video_id: created.id });
    expect(download.status).toBe(200);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(
      (completed as unknown as { content: { sha256: string } }).content.sha256,
    );
    expect(previews).toEqual([
      { variant: 'thumbnail', status: 200, type: 'image/webp', bytes: expect.any(Number) },
      { variant: 'spritesheet', status: 200, type: 'image/jpeg', bytes: expect.any(Number) },
    ]);
    expect(previews.every((preview) => preview.bytes > 0)).toBe(true);
    expect(deleted).toEqual({ id: created.id, object: 'video.deleted', deleted: true });
    expect(afterDelete).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('pages with for await over list({ limit: 1 }): each of the caller’s videos once, newest first, none of another user’s', async () => {
    // Prepare
    const client = await sdkFor(uniqueUser('sdk-pager'));
    const stranger = await sdkFor(uniqueUser('sdk-stranger'));
    const mine: string[] = [];
    mine.push((await client.videos.create({ prompt: uniquePrompt('First of mine') })).id);
    const theirs = (await stranger.videos.create({ prompt: uniquePrompt('Not yours') })).id;
    mine.push((await client.videos.create({ prompt: uniquePrompt('Second of mine') })).id);
    mine.push((await client.videos.create({ prompt: uniquePrompt('Third of mine') })).id);
    const listedFrom = sent.length;

    // Act
    const seen: string[] = [];
    for await (const video of client.videos.list({ limit: 1 })) seen.push(video.id);
    const strangersAfter = await client.videos.list({ limit: 1, after: theirs }).catch((error: unknown) => error);

    // Assess
    expect(seen).toEqual([...mine].reverse());
    const afters = sent
      .slice(listedFrom)
      .filter((request) => request.url.pathname === '/v1/videos' && request.method === 'GET')
      .map((request) => request.url.searchParams.get('after'));
    // One request per page: the SDK passed each page's last_id as `after`.
    expect(afters).toEqual([null, mine[2], mine[1], theirs]);
    expect(strangersAfter).toBeInstanceOf(OpenAI.BadRequestError);
    expect(strangersAfter).toMatchObject({ status: 400, code: 'invalid_parameter', param: 'after' });
  });

  it('creates from a reference image given as a file, as an upload’s file_id and as an image_url, and shows it', async () => {
    // Prepare
    const userId = uniqueUser('sdk-image');
    const client = await sdkFor(userId);
    const png = pngOf(1280, 720);
    const sha256 = createHash('sha256').update(png).digest('hex');
    const token = await stack.token(userId);
    const upload = await api.call('POST', '/v1/uploads', { token, json: { bytes: png.byteLength } });
    const answer = upload.body as { id: string; upload_url: string; headers: Record<string, string> };
    const { id: fileId, upload_url: uploadUrl } = answer;
    const put = await fetch(uploadUrl, { method: 'PUT', body: png, headers: answer.headers });
    const prompts = ['From a file', 'From an upload', 'From a URL'].map((text) => uniquePrompt(text));
    const size = '1280x720' as const;

    // Act
    const fromFile = await client.videos.create({
      prompt: prompts[0]!,
      size,
      input_reference: await toFile(png, 'ref.png', { type: 'image/png' }),
    });
    const fromUpload = await client.videos.create({
      prompt: prompts[1]!,
      size,
      input_reference: { file_id: fileId },
    } as unknown as VideoCreateParams);
    const fromUrl = await client.videos.create({
      prompt: prompts[2]!,
      size,
      input_reference: { image_url: `http://localhost:${images.port}/ref.png` },
    } as unknown as VideoCreateParams);
    const done = await Promise.all([fromFile, fromUpload, fromUrl].map((video) => finished(client, video.id)));
    const deleted = await client.videos.delete(fromFile.id);

    // Assess
    expect(upload.status).toBe(201);
    expect(answer.headers).toEqual({ 'content-length': String(png.byteLength) });
    expect(new URL(uploadUrl).searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;host');
    expect(put.status).toBe(200);
    const sources = ['file', 'file_id', 'image_url'];
    for (const [index, video] of done.entries()) {
      expect(video).toMatchObject({
        status: 'completed',
        expires_at: null,
        input_reference: {
          source: sources[index],
          content_type: 'image/png',
          bytes: png.byteLength,
          width: 1280,
          height: 720,
          sha256,
        },
      });
      expectOpenAiVideo(video);
      expect(await jobsFor(stack, prompts[index]!)).toHaveLength(1);
    }
    expect(deleted.deleted).toBe(true);
  });

  it('answers bad images 400 or 413 with param input_reference, and a form without a prompt 400, reserving nothing', async () => {
    // Prepare
    const userId = uniqueUser('sdk-invalid');
    const client = await sdkFor(userId);
    const prompt = uniquePrompt('With a bad reference image');
    const create = (input_reference: unknown, size: VideoCreateParams['size'] = '720x1280') =>
      client.videos
        .create({ prompt, size, input_reference } as unknown as VideoCreateParams, { maxRetries: 0 })
        .catch((error: unknown) => error);

    // Act
    const notAnImage = await create(await toFile(Buffer.from('not an image'), 'ref.png', { type: 'image/png' }));
    const wrongSize = await create(await toFile(pngOf(1280, 720), 'ref.png', { type: 'image/png' }));
    // A PNG named .jpg is judged by its bytes: the wrong size is what is wrong with it.
    const pngAsJpeg = await create(await toFile(pngOf(64, 64), 'ref.jpg', { type: 'image/jpeg' }));
    const tooBig = await create(await toFile(Buffer.alloc(4_450_000), 'big.png', { type: 'image/png' }));
    const loopback = await create({ image_url: `https://127.0.0.1:${images.port}/ref.png` });
    const metadata = await create({ image_url: 'https://169.254.169.254/latest/meta-data/' });
    const plainLoopback = await create({ image_url: `http://127.0.0.1:${images.port}/ref.png` });
    const withoutPrompt = await client.videos
      .create({ seconds: '8' } as VideoCreateParams)
      .catch((error: unknown) => error);
    const usage = await api.call('GET', '/v1/usage', { token: await stack.token(userId) });

    // Assess
    for (const rejection of [notAnImage, wrongSize, pngAsJpeg, loopback, metadata, plainLoopback]) {
      expect(rejection).toBeInstanceOf(OpenAI.BadRequestError);
      expect(rejection).toMatchObject({ status: 400, code: 'invalid_parameter', param: 'input_reference' });
    }
    expect(notAnImage).toMatchObject({ error: { message: 'input_reference must be a JPEG, PNG or WebP image' } });
    expect(wrongSize).toMatchObject({
      error: { message: "input_reference must be 720x1280 (the video's size), not 1280x720" },
    });
    expect(pngAsJpeg).toMatchObject({ error: { message: expect.stringContaining('not 64x64') } });
    expect(loopback).toMatchObject({ error: { message: expect.stringContaining('127.0.0.1 is not public') } });
    expect(metadata).toMatchObject({ error: { message: expect.stringContaining('169.254.169.254 is not public') } });
    expect(plainLoopback).toMatchObject({ error: { message: expect.stringContaining('Only https URLs') } });
    expect(tooBig).toMatchObject({ status: 413, code: 'payload_too_large', param: 'input_reference' });
    expect(tooBig).toMatchObject({ error: { message: expect.stringContaining('POST /v1/uploads') } });
    expect(withoutPrompt).toMatchObject({ status: 400, code: 'missing_parameter', param: 'prompt' });
    expect(await jobsFor(stack, prompt)).toEqual([]);
    expect(usage.body).toMatchObject({ videos: 0, reserved_micros: 0 });
    // No record either: the caller's list is empty.
    expect((await client.videos.list()).data).toEqual([]);
  });

  it('answers 402 budget_exceeded to an image_url create of a caller with no budget, never fetching the image', async () => {
    // Prepare: finance sets the caller's budget to 0.
    const userId = uniqueUser('sdk-no-budget');
    const client = await sdkFor(userId);
    const finance = await stack.token(uniqueUser('sdk-finance'), ['finance']);
    const limits = await api.call('PUT', `/v1/admin/users/${userId}/limits`, {
      token: finance,
      json: { budget_micros: 0 },
    });
    const path = `/${userId}.png`;
    const prompt = uniquePrompt('Without a budget');

    // Act
    const refused = await client.videos
      .create(
        {
          prompt,
          size: '1280x720',
          input_reference: { image_url: `http://localhost:${images.port}${path}` },
        } as unknown as VideoCreateParams,
        { maxRetries: 0 },
      )
      .catch((error: unknown) => error);

    // Assess
    expect(limits.status).toBe(200);
    expect(refused).toBeInstanceOf(OpenAI.APIError);
    expect(refused).toMatchObject({ status: 402, code: 'budget_exceeded' });
    expect(images.requested).not.toContain(path);
    expect(await jobsFor(stack, prompt)).toEqual([]);
  });

  it('edits and extends a completed video through videos.edit and videos.extend, priced and sized as documented', async () => {
    // Prepare
    const client = await sdkFor(uniqueUser('sdk-edit-extend'));
    const source = await client.videos.create({ prompt: uniquePrompt('A paper boat on a pond'), seconds: '8' });
    await finished(client, source.id);
    const usageBefore = await client.get<{ charged_micros: number; seconds: number }>('/usage');

    // Act
    const edited = await client.videos.edit({ video: { id: source.id }, prompt: uniquePrompt('Make it snow') });
    const extended = await client.videos.extend({
      video: { id: source.id },
      prompt: uniquePrompt('The boat sails away'),
      seconds: '4',
    });
    const editedDone = await finished(client, edited.id);
    const extendedDone = await finished(client, extended.id);
    const usageAfter = await client.get<{ charged_micros: number; seconds: number }>('/usage');

    // Assess: the SDK sends both as forms with video[id], as it always does.
    const forms = sent.filter((request) =>
      ['/v1/videos/edits', '/v1/videos/extensions'].includes(request.url.pathname),
    );
    expect(forms.map((request) => request.contentType)).toEqual([
      expect.stringMatching(/^multipart\/form-data; boundary=/),
      expect.stringMatching(/^multipart\/form-data; boundary=/),
    ]);
    for (const video of [edited, extended, editedDone, extendedDone]) expectOpenAiVideo(video);
    expect(editedDone).toMatchObject({
      status: 'completed',
      seconds: '8',
      derived_from: { kind: 'edit', video_id: source.id },
    });
    // An extension lasts the source's 8 seconds plus 4, and is charged for the 4 seconds the provider generates.
    expect(extendedDone).toMatchObject({
      status: 'completed',
      seconds: '12',
      derived_from: { kind: 'extension', video_id: source.id },
    });
    const costs = [editedDone, extendedDone].map(
      (video) => (video as unknown as { cost: { charged_micros: number } }).cost,
    );
    const sourceCost = (source as unknown as { cost: { estimated_micros: number } }).cost.estimated_micros;
    expect(costs.map((cost) => cost.charged_micros)).toEqual([sourceCost, sourceCost / 2]);
    // The month counts what was billed: 8 seconds edited, 4 extended.
    expect(usageAfter.charged_micros - usageBefore.charged_micros).toBe(sourceCost * 1.5);
    expect(usageAfter.seconds - usageBefore.seconds).toBe(12);
    // One provider job each, made by the provider's edit and extension (the extension's job lasts the stitched 12 s).
    expect(await jobsFor(stack, String(editedDone.prompt))).toEqual([expect.objectContaining({ seconds: '8' })]);
    expect(await jobsFor(stack, String(extendedDone.prompt))).toEqual([expect.objectContaining({ seconds: '12' })]);
  });

  it('answers edits and extensions of an uploaded file or too long 400, characters 404, all as the SDK’s error classes', async () => {
    // Prepare
    const client = await sdkFor(uniqueUser('sdk-edit-errors'));
    const source = await client.videos.create({ prompt: uniquePrompt('A lighthouse at night'), seconds: '12' });
    await finished(client, source.id);
    const file = await toFile(Buffer.from('not really a video'), 'clip.mp4', { type: 'video/mp4' });

    // Act
    const [editOfFile, tooLong, extendOfFile, character, newCharacter, stranger] = await Promise.all([
      client.videos.edit({ video: file, prompt: 'Make it snow' }).catch((error: unknown) => error),
      client.videos
        .extend({ video: { id: source.id }, prompt: 'And on', seconds: '12' })
        .catch((error: unknown) => error),
      client.videos.extend({ video: file, prompt: 'And on', seconds: '4' }).catch((error: unknown) => error),
      client.videos.getCharacter('char_123').catch((error: unknown) => error),
      client.videos.createCharacter({ name: 'Kit', video: file }).catch((error: unknown) => error),
      (await sdkFor(uniqueUser('sdk-edit-stranger'))).videos
        .edit({ video: { id: source.id }, prompt: 'Mine now' })
        .catch((error: unknown) => error),
    ]);
    const usage = await client.get<{ reserved_micros: number }>('/usage');
    const unauthenticated = await Promise.all(
      ['/v1/videos/edits', '/v1/videos/extensions', '/v1/videos/characters'].map((path) => api.call('POST', path)),
    );
    const unauthenticatedGet = await api.call('GET', '/v1/videos/characters/char_123');

    // Assess
    for (const error of [editOfFile, tooLong, extendOfFile]) expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(editOfFile).toMatchObject({ param: 'video', message: expect.stringContaining('only a video id') });
    expect(extendOfFile).toMatchObject({ param: 'video' });
    expect(tooLong).toMatchObject({ param: 'seconds' });
    for (const error of [character, newCharacter, stranger]) expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(character).toMatchObject({
      code: 'not_found',
      message: expect.stringContaining('Characters are not supported'),
    });
    expect(usage.reserved_micros).toBe(0);
    expect([...unauthenticated, unauthenticatedGet].map((reply) => reply.status)).toEqual([401, 401, 401, 401]);
  });

  it('answers POST /v1/uploads without a token 401', async () => {
    // Act
    const reply = await api.call('POST', '/v1/uploads');

    // Assess
    expect(reply.status).toBe(401);
  });

  it('answers POST /v1/uploads without bytes or with bytes over 50 MiB 400 naming bytes', async () => {
    // Prepare
    const token = await stack.token(uniqueUser('upload-bytes'));

    // Act
    const missing = await api.call('POST', '/v1/uploads', { token });
    const tooMany = await api.call('POST', '/v1/uploads', { token, json: { bytes: MAX_UPLOAD_BYTES + 1 } });

    // Assess
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'missing_parameter', param: 'bytes' });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error).toMatchObject({ code: 'invalid_parameter', param: 'bytes' });
  });

  it('answers POST /v1/uploads 429 rate_limited with Retry-After past the per-user rate, other users unaffected', async () => {
    // Prepare: the rate counts per UTC minute; start early in a minute so all requests fall in the same one.
    const alice = await stack.token(uniqueUser('upload-rate'));
    const bob = await stack.token(uniqueUser('upload-rate-other'));
    const second = new Date().getUTCSeconds();
    if (second >= 50) await new Promise((resolve) => setTimeout(resolve, (61 - second) * 1000));
    const ask = (token: string) => api.call('POST', '/v1/uploads', { token, json: { bytes: 10 } });

    // Act
    const allowed = [];
    for (let i = 0; i < DEFAULT_UPLOADS_PER_MINUTE; i++) allowed.push(await ask(alice));
    const refused = await ask(alice);
    const other = await ask(bob);

    // Assess
    expect(allowed.map((reply) => reply.status)).toEqual(Array(DEFAULT_UPLOADS_PER_MINUTE).fill(201));
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limited' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(other.status).toBe(201);
  });

  it('replays a multipart create sent again with its Idempotency-Key, and answers 409 for another body with it', async () => {
    // Prepare
    const client = await sdkFor(uniqueUser('sdk-idempotent'));
    const prompt = uniquePrompt('Once only');
    const headers = { 'Idempotency-Key': `sdk-${prompt}` };

    // Act
    const first = await client.videos.create({ prompt, seconds: '8' }, { headers });
    const again = await client.videos.create({ prompt, seconds: '8' }, { headers });
    // The SDK retries a 409 by default; this one is final, so one attempt is enough to see it.
    const reused = await client.videos
      .create({ prompt, seconds: '4' }, { headers, maxRetries: 0 })
      .catch((error: unknown) => error);

    // Assess: once the video has finished, its execution has made every provider job it ever will.
    expect(again.id).toBe(first.id);
    await finished(client, first.id);
    expect(await jobsFor(stack, prompt)).toHaveLength(1);
    expect(reused).toBeInstanceOf(OpenAI.ConflictError);
    expect(reused).toMatchObject({ status: 409, code: 'idempotency_key_reused' });
  });
});

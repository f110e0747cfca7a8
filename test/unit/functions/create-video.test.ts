import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { type CreateVideoDeps, createVideo } from '../../../functions/create-video/create-video';
import { createVideoRequestParser } from '../../../functions/create-video/schema';
import { DEFAULT_CATALOGUE } from '../../../shared/catalogue/default-catalogue';
import { BudgetExceededError, ValidationError } from '../../../shared/errors';
import type { RequestIdempotency } from '../../../shared/http/idempotency';
import { UploadedFile } from '../../../shared/http/uploaded-file';
import { UrlNotAllowedError } from '../../../shared/net/ssrf-guard';
import type { PipelineInput } from '../../../shared/pipeline/types';
import { pngOf } from '../../helpers/images';
import {
  alice,
  catalogueWith,
  fakeLogger,
  fakeMetrics,
  fixedClock,
  InMemoryVideoRepository,
  recordingPipeline,
} from '../fakes/fakes';
import { InMemoryBilling } from '../money/in-memory-billing';

const FIRST_ID = 'vid_01JD0000000000000000000001';

function setup(options: { startError?: Error; uploads?: Record<string, Buffer>; urls?: Record<string, Buffer> } = {}) {
  const videos = new InMemoryVideoRepository();
  const objects = new Map<string, { data: Buffer; contentType: string }>();
  const removed: string[] = [];
  const started: PipelineInput[] = [];
  const metrics = fakeMetrics();
  const money = new InMemoryBilling(videos);
  // Powertools idempotency bypassed: as if every earlier invocation crashed before its record was completed.
  const idempotency: RequestIdempotency = async (_request, _context, run) => run();
  let ids = 0;
  const deps: CreateVideoDeps = {
    money,
    guards: money,
    videos,
    pipeline: recordingPipeline(started, options.startError),
    catalogue: DEFAULT_CATALOGUE,
    idempotency,
    clock: fixedClock('2025-11-21T04:40:00Z'),
    newId: () => `vid_01JD${String(++ids).padStart(22, '0')}`,
    logger: fakeLogger(),
    metrics,
    images: {
      readUpload: async (userId, fileId) => options.uploads?.[`${userId}/${fileId}`],
      fetchUrl: async (url) => {
        const body = options.urls?.[url];
        if (body === undefined)
          throw new UrlNotAllowedError(`${new URL(url).hostname} resolves to an address that is not public`);
        return { status: 200, contentType: 'image/png', body };
      },
    },
    objects: {
      put: async (bucket, key, data, contentType) => {
        objects.set(`${bucket}/${key}`, { data, contentType });
      },
    },
    storage: {
      remove: async (bucket, keys) => {
        for (const key of keys) {
          removed.push(`${bucket}/${key}`);
          objects.delete(`${bucket}/${key}`);
        }
      },
    },
    bucket: 'videos-bucket',
  };
  return { videos, money, started, metrics, deps, objects, removed };
}

const parse = createVideoRequestParser({ catalogue: DEFAULT_CATALOGUE });

describe('create-video', () => {
  it('returns the queued video with its estimate and starts one execution named after it', async () => {
    // Prepare
    const { videos, started, metrics, deps } = setup();
    const input = parse(
      { body: { prompt: 'A cat playing piano', model: 'sora-2-pro', seconds: '8', metadata: { a: 'b' } } },
      alice,
    );

    // Act
    const video = await createVideo(input, deps);

    // Assess
    expect(video).toEqual({
      id: 'vid_01JD0000000000000000000001',
      object: 'video',
      status: 'queued',
      progress: 0,
      prompt: 'A cat playing piano',
      model: 'sora-2-pro',
      seconds: '8',
      size: '720x1280',
      provider: 'openai',
      remixed_from_video_id: null,
      derived_from: null,
      metadata: { a: 'b' },
      input_reference: null,
      created_at: 1_763_700_000,
      updated_at: 1_763_700_000,
      completed_at: null,
      expires_at: null,
      error: null,
      cost: { currency: 'USD', estimated_micros: 2_400_000, charged_micros: null },
      content: null,
    });
    expect(started).toEqual([{ videoId: video.id, userId: 'alice' }]);
    expect(videos.videos.get(video.id)).toMatchObject({
      userId: 'alice',
      status: 'queued',
      estimatedMicros: 2_400_000,
      priceVersion: '2025-10-sora-2',
      provider: 'openai',
      providerModel: 'sora-2-pro',
    });
    expect(metrics.total('VideosRequested')).toBe(1);
  });

  it('throws the reservation error and starts no execution when the budget cannot cover the estimate', async () => {
    // Prepare
    const { videos, money, started, metrics, deps } = setup();
    money.reserveError = new BudgetExceededError();
    const input = parse({ body: { prompt: 'A cat' } }, alice);

    // Act / Assess
    await expect(createVideo(input, deps)).rejects.toMatchObject({ status: 402, code: 'budget_exceeded' });
    expect(started).toEqual([]);
    expect(videos.videos.size).toBe(0);
    expect(metrics.total('VideosRequested')).toBe(0);
  });

  it('marks the video failed and throws when the execution cannot be started', async () => {
    // Prepare
    const { videos, money, deps } = setup({ startError: new Error('states unavailable') });
    const input = parse({ body: { prompt: 'A cat' } }, alice);

    // Act / Assess
    await expect(createVideo(input, deps)).rejects.toThrow('states unavailable');
    expect(videos.videos.get(FIRST_ID)).toMatchObject({ status: 'failed', chargedMicros: 0 });
    expect(money.released.has(FIRST_ID)).toBe(true);
  });

  it('returns the first video, reserved once, and starts its execution again when a keyed create is retried', async () => {
    // Prepare
    const { videos, money, started, metrics, deps } = setup();
    const input = parse({ body: { prompt: 'A cat' }, headers: { 'idempotency-key': 'crash-1' } }, alice);
    const first = await createVideo(input, deps);

    // Act
    const second = await createVideo(input, deps);

    // Assess
    expect(second.id).toBe(first.id);
    expect(second).toEqual(first);
    expect(videos.videos.size).toBe(1);
    expect([...money.reserved.keys()]).toEqual([first.id]);
    expect(started).toEqual([
      { videoId: first.id, userId: 'alice' },
      { videoId: first.id, userId: 'alice' },
    ]);
    expect(metrics.total('VideosRequested')).toBe(1);
  });

  it('starts the first video when the keyed request that reserved it died before starting it', async () => {
    // Prepare: the first invocation reserves, then hangs in StartExecution until its Lambda times out.
    const { videos, money, started, deps } = setup();
    const input = parse({ body: { prompt: 'A cat' }, headers: { 'idempotency-key': 'crash-2' } }, alice);
    const stuck = {
      ...deps,
      pipeline: { start: () => new Promise<void>(() => undefined) },
    };
    void createVideo(input, stuck);
    await vi.waitFor(() => expect(money.reserved.size).toBe(1), { timeout: 5000 });

    // Act
    const retried = await createVideo(input, deps);

    // Assess
    expect(retried.id).toBe(FIRST_ID);
    expect(videos.videos.size).toBe(1);
    expect(money.reserved.size).toBe(1);
    expect(started).toEqual([{ videoId: FIRST_ID, userId: 'alice' }]);
  });

  it('throws 409 idempotency_key_reused and reserves nothing when the key comes back with another body', async () => {
    // Prepare
    const { videos, money, started, deps } = setup();
    const headers = { 'idempotency-key': 'crash-3' };
    await createVideo(parse({ body: { prompt: 'A cat' }, headers }, alice), deps);

    // Act
    const other = createVideo(parse({ body: { prompt: 'A dog' }, headers }, alice), deps);

    // Assess
    await expect(other).rejects.toMatchObject({ status: 409, code: 'idempotency_key_reused' });
    expect(videos.videos.size).toBe(1);
    expect(money.reserved.size).toBe(1);
    expect(started).toHaveLength(1);
  });

  it('returns a new video when the key’s first use is more than 24 hours old', async () => {
    // Prepare
    const { videos, money, deps } = setup();
    const input = parse({ body: { prompt: 'A cat' }, headers: { 'idempotency-key': 'old-key' } }, alice);
    const first = await createVideo(input, deps);

    // Act
    const later = await createVideo(input, { ...deps, clock: fixedClock('2025-11-22T04:40:01Z') });

    // Assess
    expect(later.id).not.toBe(first.id);
    expect(videos.videos.size).toBe(2);
    expect(money.reserved.size).toBe(2);
  });

  it('gives the key back when the execution cannot be started, so a retry makes a new video', async () => {
    // Prepare
    const { videos, money, started, deps } = setup();
    const input = parse({ body: { prompt: 'A cat' }, headers: { 'idempotency-key': 'retry-me' } }, alice);
    const broken = { ...deps, pipeline: { start: () => Promise.reject(new Error('states unavailable')) } };
    await expect(createVideo(input, broken)).rejects.toThrow('states unavailable');

    // Act
    const retried = await createVideo(input, deps);

    // Assess
    expect(retried.id).not.toBe(FIRST_ID);
    expect(videos.videos.get(FIRST_ID)).toMatchObject({ status: 'failed' });
    expect(money.released.has(FIRST_ID)).toBe(true);
    expect(started).toEqual([{ videoId: retried.id, userId: 'alice' }]);
  });

  it('throws a 400 on size naming the sizes the catalogue offers the model at, before anything is written', async () => {
    // Prepare
    const { videos, started } = setup();
    const proAt720Only = catalogueWith({
      'sora-2-pro': { sizes: ['720x1280'], price: { currency: 'USD', micros_per_second: { '720x1280': 1 } } },
    });
    const parseWith = createVideoRequestParser({ catalogue: proAt720Only });

    // Act / Assess
    expect(() => parseWith({ body: { prompt: 'A cat', model: 'sora-2-pro', size: '1024x1792' } }, alice)).toThrow(
      expect.objectContaining({ status: 400, param: 'size', message: 'size must be one of 720x1280' }),
    );
    expect(videos.videos.size).toBe(0);
    expect(started).toEqual([]);
  });

  it('throws a ValidationError naming the field when the body has an unknown field', () => {
    // Act / Assess
    expect(() => parse({ body: { prompt: 'x', duration: 4 } }, alice)).toThrow(ValidationError);
  });

  describe('with an input_reference', () => {
    const png = pngOf(1280, 720);
    const sha256 = createHash('sha256').update(png).digest('hex');
    const file = (data: Buffer, name = 'ref.png', type = 'image/png') =>
      new UploadedFile(name, type, data, createHash('sha256').update(data).digest('hex'));
    const body = (input_reference: unknown) => ({ prompt: 'A kite', size: '1280x720', input_reference });

    it.each([
      ['a file part', file(png), 'file'],
      ['an upload (file_id)', { file_id: 'file_01JD0000000000000000000001' }, 'file_id'],
      ['an image_url', { image_url: 'https://images.example/kite.png' }, 'image_url'],
    ])('stores the image of %s under the video and shows it, not its bytes', async (_name, reference, source) => {
      // Prepare
      const { videos, objects, started, deps } = setup({
        uploads: { 'alice/file_01JD0000000000000000000001': png },
        urls: { 'https://images.example/kite.png': png },
      });

      // Act
      const video = await createVideo(parse({ body: body(reference) }, alice), deps);

      // Assess
      const key = `videos/alice/${FIRST_ID}/input-reference`;
      expect(video.input_reference).toEqual({
        source,
        content_type: 'image/png',
        bytes: png.byteLength,
        width: 1280,
        height: 720,
        sha256,
      });
      expect(objects.get(`videos-bucket/${key}`)).toEqual({ data: png, contentType: 'image/png' });
      expect(videos.videos.get(FIRST_ID)?.inputReference).toMatchObject({ bucket: 'videos-bucket', key, sha256 });
      expect(started).toHaveLength(1);
    });

    it.each([
      [
        'of another size',
        file(pngOf(720, 1280)),
        400,
        "input_reference must be 1280x720 (the video's size), not 720x1280",
      ],
      [
        'that is not an image',
        file(Buffer.from('not an image at all'), 'ref.png'),
        400,
        'input_reference must be a JPEG, PNG or WebP image',
      ],
      ['over the inline limit', file(Buffer.alloc(4_400_001)), 413, 'POST /v1/uploads'],
      [
        'an upload that is not the caller’s',
        { file_id: 'file_01JD0000000000000000000009' },
        400,
        "No upload found with id 'file_01JD0000000000000000000009'",
      ],
      [
        'a URL the guard refuses',
        { image_url: 'https://metadata.example/latest' },
        400,
        'input_reference.image_url is not allowed: metadata.example resolves to an address that is not public',
      ],
    ])(
      'answers %s with %i naming input_reference, and writes, reserves and starts nothing',
      async (_name, reference, status, message) => {
        // Prepare
        const { videos, money, started, objects, deps } = setup({
          uploads: { 'bob/file_01JD0000000000000000000009': png },
        });

        // Act
        const rejection = await createVideo(parse({ body: body(reference) }, alice), deps).catch(
          (error: unknown) => error,
        );

        // Assess
        expect(rejection).toMatchObject({
          status,
          param: 'input_reference',
          message: expect.stringContaining(message),
        });
        expect(videos.videos.size).toBe(0);
        expect(money.reserved.size).toBe(0);
        expect(started).toEqual([]);
        expect(objects.size).toBe(0);
      },
    );

    it('takes the type from the bytes: a PNG named .jpg and sent as image/jpeg is stored as image/png', async () => {
      // Prepare
      const { objects, deps } = setup();

      // Act
      const video = await createVideo(parse({ body: body(file(png, 'ref.jpg', 'image/jpeg')) }, alice), deps);

      // Assess
      expect(video.input_reference?.content_type).toBe('image/png');
      expect([...objects.values()][0]?.contentType).toBe('image/png');
    });

    it('removes the stored image when the reservation is refused', async () => {
      // Prepare
      const { money, objects, removed, deps } = setup();
      money.reserveError = new BudgetExceededError();

      // Act
      const rejection = await createVideo(parse({ body: body(file(png)) }, alice), deps).catch(
        (error: unknown) => error,
      );

      // Assess
      expect(rejection).toBeInstanceOf(BudgetExceededError);
      expect(removed).toEqual([`videos-bucket/videos/alice/${FIRST_ID}/input-reference`]);
      expect(objects.size).toBe(0);
    });

    it('hashes the image by content for Idempotency-Key: another image under the same key is 409, the same one replays', async () => {
      // Prepare
      const { videos, deps } = setup({ urls: { 'https://images.example/kite.png': png } });
      const keyed = (reference: unknown) =>
        parse({ body: body(reference), headers: { 'idempotency-key': 'image-key' } }, alice);
      const first = await createVideo(keyed(file(png)), deps);

      // Act
      const sameBytesByUrl = await createVideo(keyed({ image_url: 'https://images.example/kite.png' }), deps);
      const otherImage = await createVideo(keyed(file(Buffer.concat([png, Buffer.from([0])]))), deps).catch(
        (error: unknown) => error,
      );

      // Assess
      expect(sameBytesByUrl.id).toBe(first.id);
      expect(otherImage).toMatchObject({ status: 409, code: 'idempotency_key_reused' });
      expect(videos.videos.size).toBe(1);
    });
  });
});

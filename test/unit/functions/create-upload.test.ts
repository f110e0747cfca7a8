import { describe, expect, it } from 'vitest';
import { createUpload, UPLOAD_URL_SECONDS } from '../../../functions/create-upload/create-upload';
import { parseCreateUploadRequest } from '../../../functions/create-upload/schema';
import { RateLimitedError } from '../../../shared/errors';
import { MAX_UPLOAD_BYTES } from '../../../shared/http/limits';
import { isUploadId, newUploadId, readUpload, uploadKey } from '../../../shared/storage/uploads';
import { UPLOAD_TTL_SECONDS } from '../../../shared/video/object-keys';
import { alice, bob, fakeLogger, fakeMetrics, fixedClock } from '../fakes/fakes';

const NOW = new Date('2025-11-21T04:40:00Z');
const nowSeconds = Math.floor(NOW.getTime() / 1000);

/** An object store holding `objects` by key, recording every key asked for. */
function storeOf(objects: Record<string, Buffer>) {
  const asked: string[] = [];
  return {
    asked,
    store: {
      get: async (_bucket: string, key: string, maxBytes: number) => {
        asked.push(key);
        const data = objects[key];
        if (data === undefined) return undefined;
        return data.byteLength > maxBytes ? ('too_large' as const) : data;
      },
    },
  };
}

/** create-upload's dependencies: a signer recording what it signs, and a rate that allows `allowed` more. */
function setup(options: { allowed?: number } = {}) {
  const signed: Array<{ bucket: string; key: string; seconds: number; bytes: number }> = [];
  const taken: Array<{ userId: string; limit: number }> = [];
  let allowed = options.allowed ?? Number.POSITIVE_INFINITY;
  const metrics = fakeMetrics();
  const deps = {
    signer: {
      signPut: async (bucket: string, key: string, seconds: number, bytes: number) => {
        signed.push({ bucket, key, seconds, bytes });
        return `https://signed/${key}?bytes=${bytes}`;
      },
    },
    bucket: 'videos-bucket',
    rate: {
      take: async (userId: string, _action: string, wanted: number, limit: number) => {
        taken.push({ userId, limit });
        return allowed-- > 0 ? wanted : 0;
      },
    },
    uploadsPerMinute: 7,
    clock: fixedClock('2025-11-21T04:40:00Z'),
    logger: fakeLogger(),
    metrics,
  };
  return { deps, signed, taken, metrics };
}

describe('create-upload', () => {
  it('returns an id under the caller’s prefix and a 15-minute PUT URL signed for the body’s bytes when under the rate', async () => {
    // Prepare
    const { deps, signed, taken } = setup();

    // Act
    const upload = await createUpload(alice, { bytes: 1234 }, deps);

    // Assess
    expect(isUploadId(upload.id)).toBe(true);
    expect(taken).toEqual([{ userId: 'alice', limit: 7 }]);
    expect(signed).toEqual([
      { bucket: 'videos-bucket', key: uploadKey('alice', upload.id), seconds: UPLOAD_URL_SECONDS, bytes: 1234 },
    ]);
    expect(upload).toEqual({
      id: upload.id,
      object: 'upload',
      upload_url: `https://signed/${uploadKey('alice', upload.id)}?bytes=1234`,
      method: 'PUT',
      headers: { 'content-length': '1234' },
      max_bytes: MAX_UPLOAD_BYTES,
      url_expires_at: nowSeconds + 15 * 60,
      expires_at: nowSeconds + UPLOAD_TTL_SECONDS,
    });
  });

  it('throws 429 rate_limited with the seconds to the next minute, signing nothing, when over the rate', async () => {
    // Prepare: the clock is at :00 of its minute.
    const { deps, signed, metrics } = setup({ allowed: 0 });

    // Act
    const refused = await createUpload(alice, { bytes: 1234 }, deps).catch((error: unknown) => error);

    // Assess
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect(refused).toMatchObject({
      status: 429,
      code: 'rate_limited',
      type: 'rate_limit_error',
      retryAfterSeconds: 60,
    });
    expect((refused as Error).message).toContain('7 upload URLs this minute');
    expect(signed).toEqual([]);
    expect(metrics.total('UploadsRateLimited')).toBe(1);
    expect(metrics.total('UploadsCreated')).toBe(0);
  });
});

describe('parseCreateUploadRequest', () => {
  it('returns the bytes when they are an integer from 1 to MAX_UPLOAD_BYTES', () => {
    expect(parseCreateUploadRequest({ body: { bytes: 1 } })).toEqual({ bytes: 1 });
    expect(parseCreateUploadRequest({ body: { bytes: MAX_UPLOAD_BYTES } })).toEqual({ bytes: MAX_UPLOAD_BYTES });
  });

  it.each([
    ['no body', undefined],
    ['an empty object', {}],
  ])('throws 400 missing_parameter naming bytes when the body is %s', (_what, body) => {
    expect(() => parseCreateUploadRequest({ body })).toThrow(
      expect.objectContaining({ status: 400, code: 'missing_parameter', param: 'bytes' }),
    );
  });

  it.each([
    ['zero', 0],
    ['negative', -5],
    ['a fraction', 1.5],
    ['a string', '1234'],
    ['null', null],
    ['over 50 MiB', MAX_UPLOAD_BYTES + 1],
  ])('throws 400 invalid_parameter naming bytes when bytes is %s', (_what, bytes) => {
    expect(() => parseCreateUploadRequest({ body: { bytes } })).toThrow(
      expect.objectContaining({ status: 400, code: 'invalid_parameter', param: 'bytes' }),
    );
  });

  it('throws 400 invalid_parameter naming an unknown field when one is sent', () => {
    expect(() => parseCreateUploadRequest({ body: { bytes: 10, size: 10 } })).toThrow(
      expect.objectContaining({ status: 400, code: 'invalid_parameter', param: 'size' }),
    );
  });
});

describe('readUpload', () => {
  const fileId = newUploadId(NOW.getTime());
  const image = Buffer.from('image bytes');
  const request = { userId: 'alice', fileId, maxBytes: 1024, now: NOW };

  it('reads the caller’s upload within its lifetime', async () => {
    const { store } = storeOf({ [uploadKey('alice', fileId)]: image });

    expect(await readUpload(store, 'b', request)).toEqual(image);
  });

  it('finds nothing for another user’s upload id: the key is under the caller’s prefix', async () => {
    const { store, asked } = storeOf({ [uploadKey('alice', fileId)]: image });

    expect(await readUpload(store, 'b', { ...request, userId: bob.userId })).toBeUndefined();
    expect(asked).toEqual([uploadKey(bob.userId, fileId)]);
  });

  it('finds nothing once the upload expired, without reading the store', async () => {
    const { store, asked } = storeOf({ [uploadKey('alice', fileId)]: image });
    const expired = new Date(NOW.getTime() + UPLOAD_TTL_SECONDS * 1000);

    expect(await readUpload(store, 'b', { ...request, now: expired })).toBeUndefined();
    expect(asked).toEqual([]);
  });

  it.each(['file_../../videos/bob/x', 'vid_01JD0000000000000000000000', 'file_', `${fileId}/../x`])(
    'finds nothing for the malformed id %s, without reading the store',
    async (badId) => {
      const { store, asked } = storeOf({ [uploadKey('alice', fileId)]: image });

      expect(await readUpload(store, 'b', { ...request, fileId: badId })).toBeUndefined();
      expect(asked).toEqual([]);
    },
  );

  it('answers too_large for an upload over the limit (checked again on use)', async () => {
    const { store } = storeOf({ [uploadKey('alice', fileId)]: Buffer.alloc(2048) });

    expect(await readUpload(store, 'b', request)).toBe('too_large');
  });
});

import { describe, expect, it } from 'vitest';
import { createUpload, UPLOAD_URL_SECONDS } from '../../../functions/create-upload/create-upload';
import { MAX_UPLOAD_BYTES } from '../../../shared/http/limits';
import { isUploadId, newUploadId, readUpload, uploadKey } from '../../../shared/storage/uploads';
import { UPLOAD_TTL_SECONDS } from '../../../shared/storage/video-keys';
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

describe('create-upload', () => {
  it('answers an id under the caller’s prefix, a 15-minute PUT URL and a 24-hour expiry', async () => {
    // Prepare
    const signed: Array<{ bucket: string; key: string; seconds: number }> = [];
    const deps = {
      signer: {
        signPut: async (bucket: string, key: string, seconds: number) => {
          signed.push({ bucket, key, seconds });
          return `https://signed/${key}`;
        },
      },
      bucket: 'videos-bucket',
      clock: fixedClock(NOW.toISOString()),
      logger: fakeLogger(),
      metrics: fakeMetrics(),
    };

    // Act
    const upload = await createUpload(alice, deps);

    // Assess
    expect(isUploadId(upload.id)).toBe(true);
    expect(signed).toEqual([
      { bucket: 'videos-bucket', key: uploadKey('alice', upload.id), seconds: UPLOAD_URL_SECONDS },
    ]);
    expect(upload).toEqual({
      id: upload.id,
      object: 'upload',
      upload_url: `https://signed/${uploadKey('alice', upload.id)}`,
      method: 'PUT',
      max_bytes: MAX_UPLOAD_BYTES,
      url_expires_at: nowSeconds + 15 * 60,
      expires_at: nowSeconds + UPLOAD_TTL_SECONDS,
    });
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

  it('answers too_large for an upload over the limit (a presigned PUT carries none)', async () => {
    const { store } = storeOf({ [uploadKey('alice', fileId)]: Buffer.alloc(2048) });

    expect(await readUpload(store, 'b', request)).toBe('too_large');
  });
});

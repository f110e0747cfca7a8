import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ContentUrlSigner } from '../../../shared/storage/content-signer';
import { PresignedS3Objects, S3RequestError } from '../../../shared/storage/presigned-objects';
import { S3RVER_CLIENT_CONFIG, startTestS3rver } from '../../helpers/s3rver';

// The presigned store against s3rver (a real S3 wire protocol; it does not check signatures, the signer's own test
// checks the URLs equal the S3 client's), and its retries against a fetch that fails on purpose.

const BUCKET = 'presigned-objects-test';
let s3rver: Awaited<ReturnType<typeof startTestS3rver>>;
let client: S3Client;
let signer: S3ContentUrlSigner;

beforeAll(async () => {
  s3rver = await startTestS3rver(BUCKET);
  client = new S3Client({ ...S3RVER_CLIENT_CONFIG, endpoint: s3rver.endpoint });
  signer = new S3ContentUrlSigner({
    region: 'us-east-1',
    endpoint: s3rver.endpoint,
    forcePathStyle: true,
    credentials: async () => S3RVER_CLIENT_CONFIG.credentials,
  });
});
afterAll(async () => {
  client?.destroy();
  await s3rver?.stop();
});

/** A fetch that answers `failures` with the given status (or throws, for 0), then passes requests through. */
function failingFetch(failures: number, status: number) {
  const calls: string[] = [];
  const fake: typeof fetch = async (input, init) => {
    calls.push(init?.method ?? 'GET');
    if (calls.length <= failures) {
      if (status === 0) throw new TypeError('fetch failed');
      return new Response(`<Error><Code>Status${status}</Code></Error>`, { status });
    }
    return fetch(input, init);
  };
  return { fake, calls };
}

describe('PresignedS3Objects', () => {
  it('puts an object with its content type, reads it back whole, and deletes it', async () => {
    // Prepare
    const objects = new PresignedS3Objects(signer);
    const data = Buffer.from('a reference image, or close enough');

    // Act
    await objects.put(BUCKET, 'inputs/u/v/reference.png', data, 'image/png');
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'inputs/u/v/reference.png' }));
    const read = await objects.get(BUCKET, 'inputs/u/v/reference.png', 1024);
    await objects.remove(BUCKET, ['inputs/u/v/reference.png', 'inputs/u/v/never-written.png']);

    // Assess
    expect(head.ContentType).toBe('image/png');
    expect(read).toEqual(data);
    expect(await objects.get(BUCKET, 'inputs/u/v/reference.png', 1024)).toBeUndefined();
  });

  it('puts an object tagged reelflow-state=pending with the header its URL signs, when it writes a reference image', async () => {
    // Prepare
    const sent: Array<{ url: string; headers: Headers }> = [];
    const recording: typeof fetch = async (input, init) => {
      sent.push({ url: String(input), headers: new Headers(init?.headers) });
      return fetch(input, init);
    };
    const objects = new PresignedS3Objects(signer, { fetch: recording });

    // Act
    await objects.put(BUCKET, 'videos/u/v/input-reference', Buffer.from('png'), 'image/png');

    // Assess
    expect(sent).toHaveLength(1);
    expect(sent[0]?.headers.get('x-amz-tagging')).toBe('reelflow-state=pending');
    expect(new URL(sent[0]?.url ?? '').searchParams.get('X-Amz-SignedHeaders')?.split(';')).toContain('x-amz-tagging');
  });

  it('answers too_large for an object over maxBytes, and undefined for a missing key', async () => {
    // Prepare
    const objects = new PresignedS3Objects(signer);
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'uploads/u/big', Body: Buffer.alloc(2048, 1) }));

    // Act / Assess
    expect(await objects.get(BUCKET, 'uploads/u/big', 2047)).toBe('too_large');
    expect(await objects.get(BUCKET, 'uploads/u/big', 2048)).toHaveLength(2048);
    expect(await objects.get(BUCKET, 'uploads/u/missing', 2048)).toBeUndefined();
  });

  it('tries again after a 503 or a network error, as the S3 client would', async () => {
    // Prepare
    const slowDown = failingFetch(2, 503);
    const reset = failingFetch(1, 0);

    // Act
    await new PresignedS3Objects(signer, { fetch: slowDown.fake, baseDelayMs: 1 }).put(
      BUCKET,
      'inputs/u/w/reference.png',
      Buffer.from('x'),
      'image/png',
    );
    const read = await new PresignedS3Objects(signer, { fetch: reset.fake, baseDelayMs: 1 }).get(
      BUCKET,
      'inputs/u/w/reference.png',
      10,
    );

    // Assess
    expect(slowDown.calls).toEqual(['PUT', 'PUT', 'PUT']);
    expect(reset.calls).toEqual(['GET', 'GET']);
    expect(read).toEqual(Buffer.from('x'));
  });

  it('throws S3RequestError after its attempts, and at once on an answer that is not transient', async () => {
    // Prepare
    const down = failingFetch(10, 500);
    const denied = failingFetch(10, 403);

    // Act
    const afterRetries = await new PresignedS3Objects(signer, { fetch: down.fake, baseDelayMs: 1 })
      .remove(BUCKET, ['k'])
      .catch((error: unknown) => error);
    const atOnce = await new PresignedS3Objects(signer, { fetch: denied.fake, baseDelayMs: 1 })
      .get(BUCKET, 'k', 10)
      .catch((error: unknown) => error);

    // Assess
    expect(afterRetries).toBeInstanceOf(S3RequestError);
    expect(atOnce).toMatchObject({ name: 'S3RequestError', s3Code: 'Status403', status: 500 });
    expect(down.calls).toEqual(['DELETE', 'DELETE', 'DELETE']);
    expect(denied.calls).toEqual(['GET']);
  });
});

import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_CONTENT_URL_SECONDS, S3ContentUrlSigner } from '../../../shared/storage/content-signer';

/*
 * The signer builds the GetObject request itself instead of bundling the S3 client: its URLs must be exactly those
 * the client's getSignedUrl makes for the same object, time and credentials.
 */

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const key = 'videos/user-1/vid_01ABC/video.mp4';

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-11-27T12:00:00Z'), toFake: ['Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

async function clientUrl(config: ConstructorParameters<typeof S3Client>[0], objectKey: string, contentType?: string) {
  const client = new S3Client({ ...config, credentials });
  const command = new GetObjectCommand({ Bucket: 'reelflow-videos', Key: objectKey, ResponseContentType: contentType });
  return getSignedUrl(client, command, { expiresIn: 600 });
}

describe('S3ContentUrlSigner', () => {
  it('signs the URL the S3 client would, on S3’s regional endpoint (virtual-hosted)', async () => {
    const signer = new S3ContentUrlSigner({ region: 'eu-west-1', credentials: async () => credentials });

    const url = await signer.signGet('reelflow-videos', key, { expiresInSeconds: 600, contentType: 'video/mp4' });

    expect(url).toBe(await clientUrl({ region: 'eu-west-1' }, key, 'video/mp4'));
    expect(new URL(url).hostname).toBe('reelflow-videos.s3.eu-west-1.amazonaws.com');
  });

  it('signs the URL the S3 client would on a local endpoint by path, with a key that needs escaping', async () => {
    const odd = "videos/user 1/vid_(x)/thumb!'*.webp";
    const signer = new S3ContentUrlSigner({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:4568',
      forcePathStyle: true,
      credentials: async () => credentials,
    });

    const url = await signer.signGet('reelflow-videos', odd, { expiresInSeconds: 600 });

    expect(url).toBe(
      await clientUrl({ region: 'us-east-1', endpoint: 'http://127.0.0.1:4568', forcePathStyle: true }, odd),
    );
  });

  it('signs the upload PUT the S3 client would for its ContentLength, without its default checksum of an empty body', async () => {
    // The default client adds x-amz-checksum-crc32=AAAAAA== (an empty body's) to a presigned PutObject, which S3 then
    // holds the real upload against; WHEN_REQUIRED is the client without it.
    const signer = new S3ContentUrlSigner({ region: 'eu-west-1', credentials: async () => credentials });
    const client = new S3Client({ region: 'eu-west-1', credentials, requestChecksumCalculation: 'WHEN_REQUIRED' });
    const uploadKey = 'uploads/user-1/file_01ABC';
    const command = new PutObjectCommand({ Bucket: 'reelflow-videos', Key: uploadKey, ContentLength: 1234 });

    const url = await signer.signPut('reelflow-videos', uploadKey, 3600, 1234);

    expect(url).toBe(await getSignedUrl(client, command, { expiresIn: 3600 }));
    expect(new URL(url).searchParams.has('x-amz-checksum-crc32')).toBe(false);
  });

  it('signs the PUT the S3 client would with a Tagging, the x-amz-tagging header signed and left out of the query', async () => {
    const signer = new S3ContentUrlSigner({ region: 'eu-west-1', credentials: async () => credentials });
    const client = new S3Client({ region: 'eu-west-1', credentials, requestChecksumCalculation: 'WHEN_REQUIRED' });
    const tagging = 'reelflow-state=pending';

    const url = await signer.signPut('reelflow-videos', key, 60, 5, { tagging });

    expect(url).toBe(
      await getSignedUrl(
        client,
        new PutObjectCommand({ Bucket: 'reelflow-videos', Key: key, Tagging: tagging, ContentLength: 5 }),
        {
          expiresIn: 60,
          unhoistableHeaders: new Set(['x-amz-tagging']),
        },
      ),
    );
    expect(new URL(url).searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;host;x-amz-tagging');
  });

  it('returns an upload PUT signed for its content-length: another length has another signature', async () => {
    // Prepare: s3rver (the local stack) does not check SigV4 signatures, so S3's refusal of a PUT whose
    // Content-Length is not the signed one is shown here, on the signed request.
    const signer = new S3ContentUrlSigner({ region: 'eu-west-1', credentials: async () => credentials });
    const signed = async (bytes: number) =>
      new URL(await signer.signPut('reelflow-videos', 'uploads/user-1/file_01ABC', 900, bytes)).searchParams;

    // Act
    const url = await signed(1234);
    const same = await signed(1234);
    const other = await signed(1235);

    // Assess
    expect(url.get('X-Amz-SignedHeaders')).toBe('content-length;host');
    expect(same.get('X-Amz-Signature')).toBe(url.get('X-Amz-Signature'));
    expect(other.get('X-Amz-Signature')).not.toBe(url.get('X-Amz-Signature'));
    expect(url.has('content-length')).toBe(false);
  });

  it('signs the DeleteObject the S3 client would', async () => {
    const signer = new S3ContentUrlSigner({ region: 'eu-west-1', credentials: async () => credentials });
    const client = new S3Client({ region: 'eu-west-1', credentials });

    const url = await signer.signDelete('reelflow-videos', key, 60);

    expect(url).toBe(
      await getSignedUrl(client, new DeleteObjectCommand({ Bucket: 'reelflow-videos', Key: key }), { expiresIn: 60 }),
    );
  });

  it('never signs for longer than MAX_CONTENT_URL_SECONDS', async () => {
    const signer = new S3ContentUrlSigner({ region: 'us-east-1', credentials: async () => credentials });

    const url = await signer.signGet('reelflow-videos', key, { expiresInSeconds: 86_400 });

    expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe(String(MAX_CONTENT_URL_SECONDS));
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamToS3, UPLOAD_PART_BYTES } from '../../../functions/store-video/store-video';
import { FaultCounters } from '../../../local/aws-faults/counters';
import { scriptedDecider } from '../../../local/aws-faults/decider';
import { startFaultProxy } from '../../../local/aws-faults/proxy';

/* StoreVideoInS3's upload against s3rver through the fault proxy: S3 faults where the SDK sees them. */

const BUCKET = 'videos';
const clientConfig = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  forcePathStyle: true,
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
} as const;

let directory: string;
let server: S3rver;
let upstream: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'reelflow-store-faults-'));
  server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    vhostBuckets: false,
    configureBuckets: [{ name: BUCKET }],
  });
  const { port } = await server.run();
  upstream = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  server?.httpServer?.closeAllConnections();
  await server?.close();
  await rm(directory, { recursive: true, force: true });
});

describe('store-video upload under S3 faults', () => {
  it('returns the stored video when the CompleteMultipartUpload answer is lost and its retry finds no upload', async () => {
    // Prepare: CreateMultipartUpload, two UploadParts, then CompleteMultipartUpload: applied, its answer lost. The
    // SDK's retry of it finds the upload gone (S3: NoSuchUpload; s3rver: InternalError).
    const counters = new FaultCounters();
    const proxy = await startFaultProxy({
      service: 's3',
      upstream,
      decider: scriptedDecider<'s3'>([undefined, undefined, undefined, 'lost']),
      counters,
    });
    const s3 = new S3Client({ ...clientConfig, endpoint: proxy.url, maxAttempts: 3 });
    const bytes = UPLOAD_PART_BYTES + 1024;
    const body = Buffer.alloc(bytes, 7);

    // Act
    const stored = await streamToS3(
      { body: Readable.from([body]), contentLength: bytes, contentType: 'video/mp4' },
      {
        s3,
        bucket: BUCKET,
        key: 'videos/a/v/video.mp4',
        contentType: 'video/mp4',
        partSize: UPLOAD_PART_BYTES,
        queueSize: 2,
      },
    );

    // Assess
    expect(counters.snapshot().injected).toEqual({ 's3:lost': 1 });
    expect(stored.bytes).toBe(bytes);
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'videos/a/v/video.mp4' }));
    expect(head.ContentLength).toBe(bytes);
    s3.destroy();
    await proxy.close();
  });
});

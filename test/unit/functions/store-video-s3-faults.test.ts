import { Readable } from 'node:stream';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamToS3, UPLOAD_PART_BYTES } from '../../../functions/store-video/store-video';
import { FaultCounters } from '../../../local/aws-faults/counters';
import { scriptedDecider } from '../../../local/aws-faults/decider';
import { startFaultProxy } from '../../../local/aws-faults/proxy';
import { S3RVER_CLIENT_CONFIG, startTestS3rver } from '../../helpers/s3rver';

/* StoreVideoInS3's upload against s3rver through the fault proxy: S3 faults where the SDK sees them. */

const BUCKET = 'videos';
const clientConfig = S3RVER_CLIENT_CONFIG;

let s3rver: Awaited<ReturnType<typeof startTestS3rver>>;
let upstream: string;

beforeAll(async () => {
  s3rver = await startTestS3rver(BUCKET);
  upstream = s3rver.endpoint;
});
afterAll(async () => {
  await s3rver?.stop();
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

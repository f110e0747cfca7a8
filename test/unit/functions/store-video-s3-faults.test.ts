import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamToS3, UPLOAD_PART_BYTES } from '../../../functions/store-video/store-video';
import { FaultCounters } from '../../../local/aws-faults/counters';
import { scriptedDecider } from '../../../local/aws-faults/decider';
import { startFaultProxy } from '../../../local/aws-faults/proxy';
import { isTransientAwsError } from '../../../shared/aws/transient-errors';
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

  it('fails transiently, not with the lost upload, when reading the object back is itself throttled', async () => {
    // Prepare: S3's own answers (s3rver cannot say NoSuchUpload): the CompleteMultipartUpload retry finds the upload
    // gone (NoSuchUpload, a 404 that is permanent), and the HeadObject that would find our object is throttled (503).
    // Act
    const error = await uploadWithMockedS3({
      complete: s3Error('NoSuchUpload', 404),
      head: s3Error('SlowDown', 503),
    });

    // Assess: the task's retry will find the object (or upload again); the previous code threw NoSuchUpload.
    expect(error).toMatchObject({ name: 'SlowDown' });
    expect(isTransientAwsError(error)).toBe(true);
  });

  it('aborts the failed upload again when the first abort fails, so no upload stays open', async () => {
    const aborts: string[] = [];
    const error = await uploadWithMockedS3({
      complete: s3Error('InternalError', 500),
      head: s3Error('NotFound', 404),
      abort: (uploadId) => {
        aborts.push(uploadId);
        // The first abort fails (all its SDK attempts faulted); the second goes through.
        if (aborts.length === 1) throw s3Error('SlowDown', 503);
      },
    });

    expect(error).toMatchObject({ name: 'InternalError' });
    expect(aborts).toEqual(['upload-1', 'upload-1']);
  });

  it('still answers with the upload’s error when the read-back finds no object', async () => {
    const error = await uploadWithMockedS3({ complete: s3Error('AccessDenied', 403), head: s3Error('NotFound', 404) });

    expect(error).toMatchObject({ name: 'AccessDenied' });
  });
});

/** An S3 error as the SDK raises it. */
function s3Error(name: string, status: number): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });
}

/**
 * Streams a two-part video through a mocked S3 client whose CreateMultipartUpload and UploadParts succeed, whose
 * CompleteMultipartUpload rejects with `complete` and whose HeadObject rejects with `head`; answers what
 * streamToS3 threw (undefined if it resolved).
 */
async function uploadWithMockedS3(answers: {
  complete: Error;
  head: Error;
  abort?: (uploadId: string) => void;
}): Promise<unknown> {
  const s3 = new S3Client({ ...clientConfig, endpoint: 'http://127.0.0.1:9' });
  const mock = mockClient(s3);
  mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-1' });
  mock.on(UploadPartCommand).resolves({ ETag: '"etag"' });
  mock.on(CompleteMultipartUploadCommand).rejects(answers.complete);
  mock.on(HeadObjectCommand).rejects(answers.head);
  mock.on(AbortMultipartUploadCommand).callsFake((input: { UploadId: string }) => {
    answers.abort?.(input.UploadId);
    return {};
  });
  const bytes = UPLOAD_PART_BYTES + 1024;
  try {
    await streamToS3(
      { body: Readable.from([Buffer.alloc(bytes, 7)]), contentLength: bytes, contentType: 'video/mp4' },
      {
        s3,
        bucket: BUCKET,
        key: 'videos/a/v/video.mp4',
        contentType: 'video/mp4',
        partSize: UPLOAD_PART_BYTES,
        queueSize: 2,
      },
    );
    return undefined;
  } catch (error) {
    return error;
  } finally {
    mock.restore();
  }
}

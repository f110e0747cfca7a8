import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FaultKind } from '../../../../local/aws-faults/config';
import { FaultCounters } from '../../../../local/aws-faults/counters';
import { scriptedDecider } from '../../../../local/aws-faults/decider';
import { startFaultProxy } from '../../../../local/aws-faults/proxy';
import { S3RVER_CLIENT_CONFIG, startTestS3rver } from '../../../helpers/s3rver';

const BUCKET = 'faults';
let s3rver: Awaited<ReturnType<typeof startTestS3rver>>;
let upstream: string;
let direct: S3Client;
const cleanups: Array<() => Promise<void>> = [];
const clientConfig = S3RVER_CLIENT_CONFIG;

beforeAll(async () => {
  s3rver = await startTestS3rver(BUCKET);
  upstream = s3rver.endpoint;
  direct = new S3Client({ ...clientConfig, endpoint: upstream });
});

afterAll(async () => {
  direct?.destroy();
  await s3rver?.stop();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function through(
  script: Array<FaultKind<'s3'> | undefined>,
  maxAttempts: number,
): Promise<{ client: S3Client; counters: FaultCounters; url: string }> {
  const counters = new FaultCounters();
  const proxy = await startFaultProxy({ service: 's3', upstream, decider: scriptedDecider<'s3'>(script), counters });
  const client = new S3Client({ ...clientConfig, endpoint: proxy.url, maxAttempts });
  cleanups.push(async () => {
    client.destroy();
    await proxy.close();
  });
  return { client, counters, url: proxy.url };
}

async function failure(promise: Promise<unknown>): Promise<S3ServiceException> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error as S3ServiceException,
  );
}

const exists = (key: string) =>
  direct.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })).then(
    () => true,
    () => false,
  );

describe('fault proxy in front of s3rver', () => {
  it.each([
    ['slowdown', 'SlowDown', 503],
    ['internal', 'InternalError', 500],
  ] as const)('surfaces %s as the XML error %s (HTTP %i)', async (kind, code, status) => {
    const { client } = await through([kind], 1);

    const error = await failure(client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `err-${kind}`, Body: 'x' })));

    expect(error.name).toBe(code);
    expect(error.message).toMatch(/reduce your request rate|internal error/);
    expect(error.$fault).toBe('server');
    expect(error.$metadata.httpStatusCode).toBe(status);
    expect(error.$metadata.requestId).toMatch(/^[0-9A-F]{16}$/);
    expect(await exists(`err-${kind}`)).toBe(false);
  });

  it.each(['slowdown', 'internal', 'reset'] as const)(
    'lets the SDK retry %s and succeed on the next attempt',
    async (kind) => {
      const { client } = await through([kind], 3);

      const output = await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `retry-${kind}`, Body: 'x' }));

      expect(output.$metadata.attempts).toBe(2);
      expect(await exists(`retry-${kind}`)).toBe(true);
    },
  );

  it('stores the object before the answer is lost', async () => {
    const { client, counters } = await through(['lost'], 1);

    const error = await failure(client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'lost-put', Body: 'x' })));

    expect(error.$metadata?.httpStatusCode).toBeUndefined();
    expect(await exists('lost-put')).toBe(true);
    expect(counters.snapshot().injected).toEqual({ 's3:lost': 1 });
  });

  it('streams an object through both ways when no fault is drawn', async () => {
    const { client } = await through([], 1);
    const body = Buffer.alloc(3 * 1024 * 1024, 7);

    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'streamed', Body: body }));
    const read = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'streamed' }));

    expect(Buffer.from(await read.Body!.transformToByteArray()).equals(body)).toBe(true);
  });

  it('answers AbortMultipartUpload itself and counts created, completed, aborted and open uploads', async () => {
    const { client, counters } = await through([], 1);
    const create = (Key: string) => client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key }));

    const completed = await create('multipart-completed');
    const part = await client.send(
      new UploadPartCommand({
        Bucket: BUCKET,
        Key: 'multipart-completed',
        UploadId: completed.UploadId,
        PartNumber: 1,
        Body: 'part',
      }),
    );
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: 'multipart-completed',
        UploadId: completed.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );
    const aborted = await create('multipart-aborted');
    const abort = await client.send(
      new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'multipart-aborted', UploadId: aborted.UploadId }),
    );
    const open = await create('multipart-open');

    expect(abort.$metadata.httpStatusCode).toBe(204);
    expect(await exists('multipart-completed')).toBe(true);
    expect(counters.snapshot().multipart).toEqual({
      created: 3,
      completed: 1,
      aborted: 1,
      open: [open.UploadId],
      orphaned: 0,
    });
  });

  it('counts an upload whose CreateMultipartUpload answer was lost as orphaned, not open', async () => {
    const { client, counters } = await through(['lost'], 1);

    await failure(client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'multipart-orphan' })));

    expect(counters.snapshot().multipart).toMatchObject({ created: 0, open: [], orphaned: 1 });
  });

  it('passes a presigned URL opened by an API client through without a fault or a count', async () => {
    const { client, counters } = await through(['slowdown'], 1);
    await direct.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'presigned', Body: 'hello' }));
    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: BUCKET, Key: 'presigned' }), {
      expiresIn: 60,
    });

    const response = await fetch(url);

    expect(response.status).toBe(200);
    expect(await response.text()).toBe('hello');
    expect(counters.snapshot()).toMatchObject({ injected: {}, requests: {} });
  });
});

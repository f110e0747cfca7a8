import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Context } from 'aws-lambda';
import { UPLOAD_PART_BYTES, UPLOAD_QUEUE_SIZE } from '../../functions/store-video/store-video';
import { LOCAL_REGION } from '../../local/template/resolve';
import type { PipelineState, StoredContent } from '../../shared/pipeline/types';

/*
 * One measured side of `npm run bench -- store-video`, run as a child process so its RSS is its own: loads its code,
 * reports ready, does the work when the parent says, reports the duration.
 */

/** Set by the parent to the side this child measures. */
export const CHILD_ROLE_VARIABLE = 'REELFLOW_BENCH_STORE_VIDEO_CHILD';

export type Role = 'store' | 'copy';

/** What the parent sends a child once it has sampled its RSS before the work. */
export interface Work {
  videoId: string;
  userId: string;
  providerVideoId: string;
  /** For the plain copy: where to put the bytes, and the emulator's key to fetch them with. */
  copyKey: string;
  providerApiKey: string;
}

export type ChildMessage =
  | { type: 'ready' }
  | { type: 'done'; seconds: number; stored?: StoredContent }
  | { type: 'failed'; error: string };

const role = process.env[CHILD_ROLE_VARIABLE] as Role | undefined;
if (role) await runChild(role);

async function runChild(childRole: Role): Promise<void> {
  const send = (message: ChildMessage) =>
    new Promise<void>((resolve, reject) =>
      process.send?.(message, (error: Error | null) => (error ? reject(error) : resolve())),
    );
  process.once('disconnect', () => process.exit(0));
  const work = childRole === 'store' ? await loadStore() : await loadCopy();
  process.once('message', async (message: Work) => {
    try {
      const started = process.hrtime.bigint();
      const stored = await work(message);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      await send({ type: 'done', seconds, ...(stored ? { stored } : {}) });
    } catch (error) {
      await send({ type: 'failed', error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    }
  });
  await send({ type: 'ready' });
}

/** The real handler module, imported with the function's local environment already in place. */
async function loadStore(): Promise<(work: Work) => Promise<StoredContent>> {
  const { handler } = await import('../../functions/store-video/handler');
  return (work) => {
    const event: PipelineState = {
      videoId: work.videoId,
      userId: work.userId,
      job: { providerVideoId: work.providerVideoId, status: 'completed', progress: 100, polls: 1, waitSeconds: 1 },
    };
    return handler(event, lambdaContext());
  };
}

/** The baseline: the provider's content download streamed straight into one Upload with the handler's part sizes. */
async function loadCopy(): Promise<(work: Work) => Promise<undefined>> {
  const s3 = new S3Client({ region: LOCAL_REGION, forcePathStyle: true });
  const { PROVIDER_BASE_URL, BUCKET_NAME } = process.env;
  return async (work) => {
    const response = await fetch(`${PROVIDER_BASE_URL}/videos/${work.providerVideoId}/content`, {
      headers: { authorization: `Bearer ${work.providerApiKey}` },
    });
    if (!response.ok || response.body === null) throw new Error(`content download answered ${response.status}`);
    const upload = new Upload({
      client: s3,
      params: {
        Bucket: BUCKET_NAME,
        Key: work.copyKey,
        Body: Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
        ContentType: 'video/mp4',
      },
      partSize: UPLOAD_PART_BYTES,
      queueSize: UPLOAD_QUEUE_SIZE,
    });
    await upload.done();
    return undefined;
  };
}

function lambdaContext(): Context {
  const deadline = Date.now() + 900_000;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'store-video',
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:000000000000:function:store-video`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/store-video',
    logStreamName: 'bench',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AbortMultipartUploadCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import * as z from 'zod/mini';
import {
  ConflictError,
  ContentExpiredError,
  DownloadInterruptedError,
  PermanentProviderError,
  ProviderGateWaitError,
  RetryableProviderError,
} from '../../shared/errors';
import type { AppLogger, AppMetrics } from '../../shared/observability/powertools';
import type { JobState, PipelineInput, StoredContent } from '../../shared/pipeline/types';
import type { ProviderGate } from '../../shared/provider/gate/provider-gate';
import { type ProviderAdapter, type ProviderContent, previewVariants } from '../../shared/provider/port';
import { PENDING_CONTENT_TAGGING } from '../../shared/video/object-keys';
import type { ContentVariant } from '../../shared/video/schemas';
import type { VideoRepository } from '../../shared/video/store';
import { contentKey, contentType, unixSeconds } from '../../shared/video/video';

/**
 * Parts of 5 MiB (S3's minimum) with a queue of 2: lib-storage holds about four parts at once whatever the video's
 * size (two in flight, one filling, its Buffer.concat copy). Smaller parts mean less of them for the GC to leave
 * behind: with 8 MiB parts, storing 1 GiB grew RSS by ~110 MiB; see `npm run bench -- store-video` (bench/RESULTS.md).
 */
export const UPLOAD_PART_BYTES = 5 * 1024 * 1024;
export const UPLOAD_QUEUE_SIZE = 2;

/**
 * How long one visit may wait in all for the provider's rate limit to let its downloads through: well inside the
 * task's 900-second timeout (TASK_TIMEOUT_SECONDS.storeVideo) with room left to stream the video.
 */
export const RATE_LIMIT_PATIENCE_SECONDS = 300;

export interface StoreVideoDeps {
  videos: Pick<VideoRepository, 'updateStatus'>;
  /** The provider's downloads; its capabilities say which previews a job has (`variants`). */
  provider: Pick<ProviderAdapter, 'downloadContent' | 'capabilities'>;
  s3: S3Client;
  bucket: string;
  clock: () => Date;
  logger: Pick<AppLogger, 'info' | 'warn'>;
  metrics: AppMetrics;
  partSize?: number;
  queueSize?: number;
  /**
   * The admission gate: each download request (the MP4, then each preview, and each one sent again after a 429)
   * takes its token just before it is sent, so the provider counts it within milliseconds of the gate.
   */
  gate: Pick<ProviderGate, 'takeTokens'>;
  sleep?: (ms: number) => Promise<void>;
}

/** The task's input: the execution input plus the job state at `$.job`. */
export type StoreVideoInput = PipelineInput & { job: Pick<JobState, 'providerVideoId'> };

/** Reads the provider job id from the task's event. */
export function storeInput(event: PipelineInput & { job?: unknown }): StoreVideoInput {
  return { ...event, job: z.object({ providerVideoId: z.string().check(z.minLength(1)) }).parse(event.job) };
}

/** What streaming one asset produced. */
export interface StreamedObject {
  bytes: number;
  sha256: string;
}

/**
 * StoreVideoInS3: streams the MP4 from the provider into an S3 multipart upload (memory stays flat), hashing and
 * counting on the way; then the previews the provider makes (`capabilities.variants`: thumbnail and spritesheet, or
 * none). A broken or short download aborts the upload and throws DownloadInterruptedError (retried); expired content
 * throws ContentExpiredError (not retried). A missing preview is skipped: the video is what was paid for.
 */
export async function storeVideo(input: StoreVideoInput, deps: StoreVideoDeps): Promise<StoredContent> {
  const moved = await deps.videos.updateStatus(input.videoId, { status: 'storing', now: unixSeconds(deps.clock()) });
  if (!moved) throw new ConflictError(`Video ${input.videoId} is already terminal; not storing`);

  const providerVideoId = input.job.providerVideoId;
  const key = contentKey(input.userId, input.videoId, 'video');
  // Shared by the visit's three downloads: the task's timeout bounds the visit, not each download.
  const patience = { seconds: RATE_LIMIT_PATIENCE_SECONDS };
  const startedAt = deps.clock().getTime();
  const video = await storeVariant(input, 'video', deps, patience);
  deps.metrics.addMetric('BytesStored', 'Bytes', video.bytes);
  // The task has no X-Ray subsegments (shared/observability/tracing.ts): the log line says how long the MP4 took.
  const durationMs = deps.clock().getTime() - startedAt;
  deps.logger.info('Video stored', { key, bytes: video.bytes, providerVideoId, durationMs });

  const variants: StoredContent['variants'] = ['video'];
  for (const preview of previewVariants(deps.provider.capabilities)) {
    try {
      const stored = await storeVariant(input, preview, deps, patience);
      deps.metrics.addMetric('BytesStored', 'Bytes', stored.bytes);
      variants.push(preview);
    } catch (error) {
      if (!(error instanceof ContentExpiredError || error instanceof PermanentProviderError)) throw error;
      deps.logger.warn('Preview not available; skipped', { variant: preview, reason: error.message });
    }
  }
  return { bucket: deps.bucket, key, contentType: 'video/mp4', bytes: video.bytes, sha256: video.sha256, variants };
}

async function storeVariant(
  input: StoreVideoInput,
  variant: ContentVariant,
  deps: StoreVideoDeps,
  patience: { seconds: number },
) {
  const content = await patientDownload(input.job.providerVideoId, variant, deps, patience);
  return streamToS3(content, {
    s3: deps.s3,
    bucket: deps.bucket,
    key: contentKey(input.userId, input.videoId, variant),
    contentType: contentType(variant),
    partSize: deps.partSize ?? UPLOAD_PART_BYTES,
    queueSize: deps.queueSize ?? UPLOAD_QUEUE_SIZE,
  });
}

/**
 * Downloads one variant. A token from the admission gate first, taken right before the request: the gate counts a
 * token from the moment it hands it out, so a token taken earlier (the poll used to take the three downloads' tokens
 * before StoreVideoInS3 ran) reached the provider a state transition or a whole MP4 later, and a minute the gate had
 * filled to the limit was over it at the provider. Waiting for the token, and a 429 the provider answers anyway
 * (requests the gate does not see), happen inside the visit instead of failing into the state machine's retries,
 * which would resend the download into a minute the gate keeps full. Past the visit's patience the wait is thrown
 * (ProviderGateWaitError, or the 429), a rate limit the Task's retry meets.
 */
async function patientDownload(
  providerVideoId: string,
  variant: ContentVariant,
  deps: StoreVideoDeps,
  patience: { seconds: number },
): Promise<ProviderContent> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const wait = async (seconds: number) => {
    const capped = Math.max(0.05, Math.min(60, seconds));
    if (capped > patience.seconds) return false;
    patience.seconds -= capped;
    await sleep(capped * 1000);
    return true;
  };
  for (;;) {
    for (;;) {
      const token = await deps.gate.takeTokens(1);
      if (token.granted) break;
      if (!(await wait(token.waitMs / 1000))) throw new ProviderGateWaitError(token.waitSeconds);
    }
    try {
      return await deps.provider.downloadContent(providerVideoId, { variant });
    } catch (error) {
      if (!(error instanceof RetryableProviderError && error.rateLimited)) throw error;
      deps.logger.warn('Provider rate limited the download; waiting', {
        variant,
        retryAfterSeconds: error.retryAfterSeconds,
        patienceSeconds: patience.seconds,
      });
      if (!(await wait(error.retryAfterSeconds ?? 1))) throw error;
    }
  }
}

/**
 * Pipes a download through a hashing/counting transform into a lib-storage Upload. When the download errors or
 * its length differs from Content-Length, the transform errors, the Upload's reader fails and `done()` rejects; the
 * multipart upload is then aborted here (`abortUpload`, not lib-storage's single try: `leavePartsOnError: true`).
 * Both sides are awaited (allSettled) so the abort has been sent before this function throws.
 */
export async function streamToS3(
  content: ProviderContent,
  target: { s3: S3Client; bucket: string; key: string; contentType: string; partSize: number; queueSize: number },
): Promise<StreamedObject> {
  const hash = createHash('sha256');
  let bytes = 0;
  let downloadError: unknown;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      if (content.contentLength !== undefined && bytes !== content.contentLength) {
        downloadError = new Error(`Received ${bytes} of ${content.contentLength} announced bytes`);
        callback(downloadError as Error);
        return;
      }
      callback();
    },
  });
  content.body.once('error', (error) => {
    downloadError ??= error;
  });

  const upload = new Upload({
    client: target.s3,
    // Pending until RecordCompletion re-tags it: the bucket expires objects of videos that never complete.
    params: {
      Bucket: target.bucket,
      Key: target.key,
      Body: meter,
      ContentType: target.contentType,
      Tagging: PENDING_CONTENT_TAGGING,
    },
    partSize: target.partSize,
    queueSize: target.queueSize,
    // We abort a failed upload ourselves (abortUpload), with more than lib-storage's one try.
    leavePartsOnError: true,
  });
  const downloaded = pipeline(content.body, meter);
  const uploaded = upload.done().catch((error: unknown) => {
    // S3 gave up: stop reading so the download does not wait forever on backpressure.
    content.body.destroy();
    meter.destroy();
    throw error;
  });
  const [download, uploadResult] = await Promise.allSettled([downloaded, uploaded]);

  if (downloadError !== undefined) {
    await abortUpload(target, upload.uploadId);
    throw new DownloadInterruptedError(`Download to ${target.key} broke off after ${bytes} bytes`, {
      cause: downloadError,
    });
  }
  if (uploadResult.status === 'rejected') {
    // Every byte was sent: the failure may be a CompleteMultipartUpload that was applied but whose answer was lost,
    // its retry then finding no upload (S3: NoSuchUpload). Reading back finds our own object.
    if (download.status === 'fulfilled' && (await storedLength(target)) === bytes) {
      return { bytes, sha256: hash.digest('hex') };
    }
    await abortUpload(target, upload.uploadId);
    throw uploadResult.reason;
  }
  if (download.status === 'rejected') {
    throw new DownloadInterruptedError(`Download to ${target.key} failed`, { cause: download.reason });
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** Tries to abort a failed upload this many times (each with the SDK's own retries). */
const ABORT_TRIES = 3;

/**
 * Aborts a failed multipart upload, so its parts are not kept. One abort can fail like any call (throttled, 5xx,
 * reset through all its SDK attempts): it is tried again, and if S3 keeps failing, the bucket's lifecycle rule
 * aborts the upload a day later. Errors are not thrown: the upload's own failure is what the task reports.
 */
async function abortUpload(target: { s3: S3Client; bucket: string; key: string }, uploadId: string | undefined) {
  if (uploadId === undefined) return;
  for (let tries = 0; tries < ABORT_TRIES; tries++) {
    try {
      await target.s3.send(
        new AbortMultipartUploadCommand({ Bucket: target.bucket, Key: target.key, UploadId: uploadId }),
      );
      return;
    } catch {
      // Try again; the lifecycle rule is the last resort.
    }
  }
}

/**
 * The stored object's size, or undefined when it is not there. Any other failure to read it (throttled, 5xx, a
 * dropped connection) is thrown: "cannot tell now" must make the task try again, not fail the video with the
 * upload's error.
 */
async function storedLength(target: { s3: S3Client; bucket: string; key: string }): Promise<number | undefined> {
  try {
    const head = await target.s3.send(new HeadObjectCommand({ Bucket: target.bucket, Key: target.key }));
    return head.ContentLength;
  } catch (error) {
    const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (name === 'NotFound' || name === 'NoSuchKey' || $metadata?.httpStatusCode === 404) return undefined;
    throw error;
  }
}

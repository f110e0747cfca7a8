import { RateLimitedError } from '../../shared/errors';
import { MAX_UPLOAD_BYTES } from '../../shared/http/limits';
import type { Caller } from '../../shared/http/types';
import type { AppLogger, AppMetrics } from '../../shared/observability/powertools';
import { type MinuteRate, secondsToNextMinute } from '../../shared/rates/minute-rate';
import { newUploadId, type UploadUrlSigner, uploadExpiresAt, uploadKey } from '../../shared/storage/uploads';
import type { CreateUploadBody, UploadResource } from '../../shared/video/schemas';
import { unixSeconds } from '../../shared/video/video';

/** How long the presigned PUT URL works (the upload itself can be used for 24 hours). */
export const UPLOAD_URL_SECONDS = 15 * 60;

export interface CreateUploadDeps {
  signer: UploadUrlSigner;
  bucket: string;
  /** The per-user count of upload URLs, and how many a user may get per UTC minute. */
  rate: MinuteRate;
  uploadsPerMinute: number;
  clock: () => Date;
  logger: Pick<AppLogger, 'info'>;
  metrics: AppMetrics;
}

/**
 * POST /v1/uploads: a new upload id under the caller's prefix and a presigned PUT URL for it (15 minutes), signed for
 * exactly `body.bytes` (at most 50 MiB): S3 refuses a PUT of another length. At most `uploadsPerMinute` per user and
 * UTC minute, else 429 `rate_limited` with Retry-After. The image is checked when a create uses it
 * (`input_reference: {"file_id": ...}`): size, type and dimensions; an upload can be used for 24 hours.
 */
export async function createUpload(
  caller: Caller,
  body: CreateUploadBody,
  deps: CreateUploadDeps,
): Promise<UploadResource> {
  const now = deps.clock();
  if ((await deps.rate.take(caller.userId, 'uploads', 1, deps.uploadsPerMinute, now)) === 0) {
    deps.metrics.addMetric('UploadsRateLimited', 'Count', 1);
    throw new RateLimitedError(
      `You have asked for ${deps.uploadsPerMinute} upload URLs this minute, the most allowed per minute`,
      secondsToNextMinute(now),
    );
  }
  const id = newUploadId(now.getTime());
  const key = uploadKey(caller.userId, id);
  const uploadUrl = await deps.signer.signPut(deps.bucket, key, UPLOAD_URL_SECONDS, body.bytes);
  deps.metrics.addMetric('UploadsCreated', 'Count', 1);
  deps.logger.info('Upload created', { uploadId: id, bytes: body.bytes });
  return {
    id,
    object: 'upload',
    upload_url: uploadUrl,
    method: 'PUT',
    headers: { 'content-length': String(body.bytes) },
    max_bytes: MAX_UPLOAD_BYTES,
    url_expires_at: unixSeconds(now) + UPLOAD_URL_SECONDS,
    expires_at: uploadExpiresAt(id),
  };
}

import { MAX_UPLOAD_BYTES } from '../../shared/http/limits';
import type { Caller } from '../../shared/http/types';
import type { AppLogger, AppMetrics } from '../../shared/powertools';
import type { UploadResource } from '../../shared/schemas';
import { newUploadId, type UploadUrlSigner, uploadExpiresAt, uploadKey } from '../../shared/storage/uploads';
import { unixSeconds } from '../../shared/video';

/** How long the presigned PUT URL works (the upload itself can be used for 24 hours). */
export const UPLOAD_URL_SECONDS = 15 * 60;

export interface CreateUploadDeps {
  signer: UploadUrlSigner;
  bucket: string;
  clock: () => Date;
  logger: Pick<AppLogger, 'info'>;
  metrics: AppMetrics;
}

/**
 * POST /v1/uploads: a new upload id under the caller's prefix and a presigned PUT URL for it (15 minutes). The
 * image is checked when a create uses it (`input_reference: {"file_id": ...}`): size (at most 50 MiB, as a
 * presigned PUT carries no limit), type and dimensions; an upload can be used for 24 hours.
 */
export async function createUpload(caller: Caller, deps: CreateUploadDeps): Promise<UploadResource> {
  const now = deps.clock();
  const id = newUploadId(now.getTime());
  const uploadUrl = await deps.signer.signPut(deps.bucket, uploadKey(caller.userId, id), UPLOAD_URL_SECONDS);
  deps.metrics.addMetric('UploadsCreated', 'Count', 1);
  deps.logger.info('Upload created', { uploadId: id });
  return {
    id,
    object: 'upload',
    upload_url: uploadUrl,
    method: 'PUT',
    max_bytes: MAX_UPLOAD_BYTES,
    url_expires_at: unixSeconds(now) + UPLOAD_URL_SECONDS,
    expires_at: uploadExpiresAt(id),
  };
}

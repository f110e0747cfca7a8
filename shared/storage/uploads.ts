import { decodeTime, monotonicFactory } from 'ulid';
import { UPLOAD_KEY_PREFIX, UPLOAD_TTL_SECONDS } from '../video/object-keys';
import type { ObjectStore } from './object-store';

/*
 * `POST /v1/uploads`: a client uploads a large reference image straight to S3 with a presigned PUT and passes its
 * id as `input_reference: {"file_id": ...}`. The id is the only handle; ownership is the key: an upload lives under
 * its user's prefix, so another user's id is simply not found.
 */

const nextUlid = monotonicFactory();

/** The upload id prefix. */
export const UPLOAD_ID_PREFIX = 'file_';

/** A new upload id: `file_` + a ULID, whose time says when the upload expires. */
export function newUploadId(now: number = Date.now()): string {
  return `${UPLOAD_ID_PREFIX}${nextUlid(now)}`;
}

/** True when `id` has the shape of an upload id (nothing else may reach a key). */
export function isUploadId(id: string): boolean {
  return /^file_[0-9A-HJKMNP-TV-Z]{26}$/.test(id);
}

/** The S3 key of a user's upload. */
export function uploadKey(userId: string, fileId: string): string {
  return `${UPLOAD_KEY_PREFIX}${userId}/${fileId}`;
}

/** Unix seconds when an upload can no longer be used. */
export function uploadExpiresAt(fileId: string): number {
  return Math.floor(decodeTime(fileId.slice(UPLOAD_ID_PREFIX.length)) / 1000) + UPLOAD_TTL_SECONDS;
}

/** Signs presigned PUT URLs for uploads of an exact size (S3ContentUrlSigner in ./content-signer.ts). */
export interface UploadUrlSigner {
  signPut(bucket: string, key: string, expiresInSeconds: number, contentLength: number): Promise<string>;
}

/**
 * Reads the caller's upload `fileId`: undefined when the id is malformed, the upload is not the caller's (not under
 * their prefix), was never uploaded, or has expired; `too_large` over `maxBytes` (the PUT URL is signed for the size
 * asked, at most MAX_UPLOAD_BYTES; checked again on use, as s3rver locally does not verify signatures).
 */
export async function readUpload(
  store: Pick<ObjectStore, 'get'>,
  bucket: string,
  request: { userId: string; fileId: string; maxBytes: number; now: Date },
): Promise<Buffer | 'too_large' | undefined> {
  if (!isUploadId(request.fileId)) return undefined;
  if (uploadExpiresAt(request.fileId) <= Math.floor(request.now.getTime() / 1000)) return undefined;
  return store.get(bucket, uploadKey(request.userId, request.fileId), request.maxBytes);
}

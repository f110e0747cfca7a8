import { monotonicFactory } from 'ulid';

const nextUlid = monotonicFactory();

/** The public video id prefix; provider ids (`video_...`) are never public. */
export const VIDEO_ID_PREFIX = 'vid_';

/** A new public video id: `vid_` + a monotonic ULID (sortable by creation time, even within one millisecond). */
export function newVideoId(now: number = Date.now()): string {
  return `${VIDEO_ID_PREFIX}${nextUlid(now)}`;
}

/** The audit record id prefix. */
export const AUDIT_ID_PREFIX = 'aud_';

/** A new audit record id: `aud_` + a monotonic ULID, so records sort by the time they were written. */
export function newAuditId(now: number = Date.now()): string {
  return `${AUDIT_ID_PREFIX}${nextUlid(now)}`;
}

/** The user erasure id prefix. */
export const ERASURE_ID_PREFIX = 'era_';

/** A new erasure id: `era_` + a monotonic ULID. */
export function newErasureId(now: number = Date.now()): string {
  return `${ERASURE_ID_PREFIX}${nextUlid(now)}`;
}

/** True when `id` has the shape of a public video id. */
export function isVideoId(id: string): boolean {
  return /^vid_[0-9A-HJKMNP-TV-Z]{26}$/.test(id);
}

/*
 * Plain data, no imports: the S3 layout the functions write and the grants infra scopes to it. Infra imports this
 * module as a value (the architecture test allows it), so the prefix a function writes under and the prefix its IAM
 * policy allows are one constant.
 */

/** The S3 key prefix every stored object lives under (`videos/{userId}/{videoId}/{file}`); grants are scoped to it. */
export const VIDEO_KEY_PREFIX = 'videos/';

// Objects that belong to no completed video expire, by their tag (how the tag is set and when the bucket's lifecycle
// rule deletes them): docs/BEHAVIOUR.md, "What expires".

/** The object tag that says whether an object belongs to a completed video. */
export const CONTENT_STATE_TAG = 'reelflow-state';
/** The states of {@link CONTENT_STATE_TAG}. */
export const CONTENT_STATES = { pending: 'pending', completed: 'completed' } as const;
export type ContentState = keyof typeof CONTENT_STATES;
/**
 * How long an object may stay pending: far longer than any execution can run (its timeout is about 31 hours, see
 * shared/pipeline/duration.ts), so only objects of videos that will never complete reach it.
 */
export const PENDING_CONTENT_EXPIRY_DAYS = 7;
/** The `Tagging` (x-amz-tagging) an upload carries. */
export const PENDING_CONTENT_TAGGING = `${CONTENT_STATE_TAG}=${CONTENT_STATES.pending}`;
/**
 * The S3 key prefix of `POST /v1/uploads` objects (`uploads/{userId}/{fileId}`): a lifecycle rule expires them, and
 * only the functions that sign or read uploads are granted it.
 */
export const UPLOAD_KEY_PREFIX = 'uploads/';

/** How long an upload can be used after it was created (its lifecycle rule removes it a day later). */
export const UPLOAD_TTL_SECONDS = 24 * 60 * 60;

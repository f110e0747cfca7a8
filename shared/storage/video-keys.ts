/*
 * Plain data, no imports: the S3 layout the functions write and the grants infra scopes to it. Infra imports this
 * module as a value (the architecture test allows it), so the prefix a function writes under and the prefix its IAM
 * policy allows are one constant.
 */

/** The S3 key prefix every stored object lives under (`videos/{userId}/{videoId}/{file}`); grants are scoped to it. */
export const VIDEO_KEY_PREFIX = 'videos/';

/**
 * The S3 key prefix of `POST /v1/uploads` objects (`uploads/{userId}/{fileId}`): a lifecycle rule expires them, and
 * only the functions that sign or read uploads are granted it.
 */
export const UPLOAD_KEY_PREFIX = 'uploads/';

/** How long an upload can be used after it was created (its lifecycle rule removes it a day later). */
export const UPLOAD_TTL_SECONDS = 24 * 60 * 60;

/*
 * Plain data, no imports: the request size limits that the functions, the local API server and the docs share, so
 * the local stack refuses exactly what a deployment cannot take.
 */

/** The largest JSON request body the API accepts, and the most a multipart body's fields may take (64 KiB). */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * The largest file part (an `input_reference` image) a request may carry inline: 4.4 MB. Lambda's synchronous
 * invoke payload is 6 MB (6,291,456 bytes) and API Gateway hands a multipart body over base64-encoded (4/3 of its
 * size): 4.4 MB of image plus 64 KiB of fields is 5.95 MB encoded, which leaves room for the rest of the event.
 * Larger images go through `POST /v1/uploads` (`input_reference: {"file_id": ...}`) or a URL (`image_url`).
 */
export const MAX_INLINE_FILE_BYTES = 4_400_000;

/** The largest request body that reaches a function at all: the fields, one inline file and the multipart framing. */
export const MAX_INLINE_REQUEST_BYTES = MAX_BODY_BYTES + MAX_INLINE_FILE_BYTES + 16 * 1024;

/** The largest image `POST /v1/uploads` lets a client upload (50 MiB), checked again when the upload is used. */
export const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;

/** Upload URLs (`POST /v1/uploads`) one user may get per UTC minute unless the deployment sets UPLOADS_PER_MINUTE. */
export const DEFAULT_UPLOADS_PER_MINUTE = 10;

/** What a client is told when an inline image is too large. */
export const LARGE_IMAGE_ALTERNATIVE =
  'upload larger images through POST /v1/uploads and send input_reference as {"file_id": ...}, or send {"image_url": "https://..."}';

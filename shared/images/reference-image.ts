import { createHash } from 'node:crypto';
import { imageSize } from 'image-size';
import { PayloadTooLargeError, ValidationError } from '../errors';
import { LARGE_IMAGE_ALTERNATIVE, MAX_INLINE_FILE_BYTES, MAX_UPLOAD_BYTES } from '../http/limits';
import { UploadedFile } from '../http/multipart';
import { type GuardedResponse, RemoteFetchError, UrlNotAllowedError } from '../net/ssrf-guard';

/*
 * The image a video starts from (`input_reference`, OpenAI's image-to-video), however it was given: a file part,
 * an upload of POST /v1/uploads (`file_id`), or a URL (`image_url`). Whatever the source, the bytes decide: their
 * real type (not the name or declared type) must be JPEG, PNG or WebP, and their dimensions must equal the video's
 * size, as the provider requires.
 */

/** The image types the provider accepts, by the type image-size reads from the bytes. */
const IMAGE_TYPES = { jpg: 'image/jpeg', png: 'image/png', webp: 'image/webp' } as const;

export type ReferenceImageType = (typeof IMAGE_TYPES)[keyof typeof IMAGE_TYPES];

/** Where the image came from. */
export type ReferenceImageSource = 'file' | 'file_id' | 'image_url';

/** A checked reference image: its bytes and what they are. */
export interface ReferenceImage {
  data: Buffer;
  contentType: ReferenceImageType;
  width: number;
  height: number;
  sha256: string;
  source: ReferenceImageSource;
}

/** `input_reference` as the request gives it (multipart file part, or JSON object). */
export type InputReferenceParam = UploadedFile | { file_id: string } | { image_url: string };

/** Reads the bytes behind a `file_id` and an `image_url`. */
export interface ReferenceImageSources {
  /**
   * The bytes of the caller's upload `fileId`, or undefined when it is missing, not the caller's or expired. Reads
   * at most `maxBytes + 1` bytes' worth of answer or reports `tooLarge` (the presigned upload's limit is not enforced
   * by every S3, so it is checked here).
   */
  readUpload(userId: string, fileId: string, maxBytes: number): Promise<Buffer | 'too_large' | undefined>;
  /** GETs the URL through the SSRF guard (shared/net/ssrf-guard.ts), at most `maxBytes`. */
  fetchUrl(url: string, maxBytes: number): Promise<GuardedResponse>;
}

const PARAM = 'input_reference';

function invalid(message: string): ValidationError {
  return new ValidationError(message, PARAM);
}

/**
 * Resolves and checks the reference image of a create request for a video of `size` (`WxH`); 400 (or 413 for a
 * file over the limits) with `param: input_reference` when it is missing, not JPEG/PNG/WebP by its bytes, or not
 * exactly `size`.
 */
export async function resolveReferenceImage(
  param: InputReferenceParam,
  request: { userId: string; size: string },
  sources: ReferenceImageSources,
): Promise<ReferenceImage> {
  let data: Buffer;
  let source: ReferenceImageSource;
  if (param instanceof UploadedFile) {
    if (param.bytes > MAX_INLINE_FILE_BYTES) {
      throw new PayloadTooLargeError(
        `input_reference is larger than ${MAX_INLINE_FILE_BYTES} bytes; ${LARGE_IMAGE_ALTERNATIVE}`,
        PARAM,
      );
    }
    data = param.data;
    source = 'file';
  } else if ('file_id' in param) {
    const upload = await sources.readUpload(request.userId, param.file_id, MAX_UPLOAD_BYTES);
    if (upload === undefined) {
      throw invalid(`No upload found with id '${param.file_id}' (uploads expire 24 hours after they are created)`);
    }
    if (upload === 'too_large') {
      throw new PayloadTooLargeError(`The upload '${param.file_id}' is larger than ${MAX_UPLOAD_BYTES} bytes`, PARAM);
    }
    data = upload;
    source = 'file_id';
  } else {
    data = await fetchImage(param.image_url, sources);
    source = 'image_url';
  }
  return { ...inspect(data, request.size), sha256: createHash('sha256').update(data).digest('hex'), data, source };
}

async function fetchImage(url: string, sources: ReferenceImageSources): Promise<Buffer> {
  try {
    return (await sources.fetchUrl(url, MAX_UPLOAD_BYTES)).body;
  } catch (error) {
    if (error instanceof UrlNotAllowedError) {
      throw Object.assign(invalid(`input_reference.image_url is not allowed: ${error.message}`), { cause: error });
    }
    if (error instanceof RemoteFetchError) {
      const failure =
        error.reason === 'too_large'
          ? new PayloadTooLargeError(`input_reference.image_url: ${error.message}`, PARAM)
          : invalid(`input_reference.image_url could not be fetched: ${error.message}`);
      throw Object.assign(failure, { cause: error });
    }
    throw error;
  }
}

/** The real type and dimensions of `data`, which must be JPEG, PNG or WebP of exactly `size` (`WxH`). */
export function inspect(data: Buffer, size: string): Pick<ReferenceImage, 'contentType' | 'width' | 'height'> {
  let read: ReturnType<typeof imageSize>;
  try {
    read = imageSize(data);
  } catch (error) {
    throw Object.assign(invalid('input_reference must be a JPEG, PNG or WebP image'), { cause: error });
  }
  const contentType = read.type === undefined ? undefined : IMAGE_TYPES[read.type as keyof typeof IMAGE_TYPES];
  if (contentType === undefined) {
    throw invalid(`input_reference must be a JPEG, PNG or WebP image, not ${read.type ?? 'an unknown type'}`);
  }
  const { width, height } = read;
  if (`${width}x${height}` !== size) {
    throw invalid(`input_reference must be ${size} (the video's size), not ${width}x${height}`);
  }
  return { contentType, width, height };
}

import * as z from 'zod/mini';
import { findModel, modelIds, notOneOf } from '../catalogue/catalogue';
import type { Catalogue } from '../catalogue/schema';
import { MAX_UPLOAD_BYTES } from '../http/limits';
import { pageLimitSchema } from '../http/page-query';
import { UploadedFile } from '../http/uploaded-file';
import { lazy } from '../lazy';
import '../zod-messages';

/*
 * The API's request and response schemas. Plain zod objects with descriptions: the same schemas validate
 * requests, type the responses, and generate GET /v1/openapi.json through z.toJSONSchema (shared/openapi/).
 * Each is a getter built on its first call (shared/lazy.ts): a function builds only the schemas it uses.
 */

export const VIDEO_STATUSES = ['queued', 'in_progress', 'storing', 'completed', 'failed', 'cancelled'] as const;
export const TERMINAL_STATUSES = ['completed', 'failed', 'cancelled'] as const;
export const CONTENT_VARIANTS = ['video', 'thumbnail', 'spritesheet'] as const;

/** A model id of the catalogue (shared/catalogue/). */
export type VideoModelName = string;
/** A video's length in seconds, as a string: one of its model's `seconds` in the catalogue (or a stitched length). */
export type VideoSeconds = string;
/** Width x height: one of its model's `sizes` in the catalogue. */
export type VideoSize = string;
export type VideoStatus = (typeof VIDEO_STATUSES)[number];
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];
export type ContentVariant = (typeof CONTENT_VARIANTS)[number];

export const MAX_PROMPT_LENGTH = 4000;
export const MAX_METADATA_KEYS = 16;

const metadataSchema = lazy(() =>
  z
    .record(
      z.string().check(z.maxLength(64, { error: 'metadata keys must be at most 64 characters' })),
      z.string({ error: 'metadata values must be strings' }).check(
        z.maxLength(512, {
          error: 'metadata values must be at most 512 characters',
        }),
      ),
    )
    .check(
      z.refine((value) => Object.keys(value).length <= MAX_METADATA_KEYS, {
        error: `metadata must have at most ${MAX_METADATA_KEYS} keys`,
      }),
      z.describe('Up to 16 string key/value pairs (keys ≤ 64 characters, values ≤ 512) returned with the video'),
    ),
);

/** True for `{"file_id": "..."}` or `{"image_url": "..."}` (one key, a non-empty string of at most 2,048 characters). */
function isReferenceObject(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  if (entries.length !== 1) return false;
  const [name, text] = entries[0]!;
  return (
    (name === 'file_id' || name === 'image_url') && typeof text === 'string' && text.length > 0 && text.length <= 2048
  );
}

/**
 * OpenAI's image-to-video reference: an image file part (multipart), or an object naming an upload of
 * `POST /v1/uploads` or an https URL. One check with one message (a union's would only say "invalid input"); the
 * OpenAPI document shows the three forms (shared/openapi/document.ts).
 */
export const inputReferenceSchema = lazy(() =>
  z
    .custom<UploadedFile | { file_id: string } | { image_url: string }>(
      (value) => value instanceof UploadedFile || isReferenceObject(value),
      { error: 'input_reference must be an image file part, {"file_id": "file_..."} or {"image_url": "https://..."}' },
    )
    .check(
      z.describe(
        'The first frame: a JPEG, PNG or WebP image of exactly `size` (inline as a file part, at most 4.4 MB; ' +
          'or {"file_id"} of an upload of POST /v1/uploads, up to 50 MiB; or {"image_url"}: a public https URL)',
      ),
    ),
);

/**
 * The body of `POST /v1/videos`, checked against the deployment's model catalogue: `model` one of its models (the
 * first by default), `seconds` and `size` among that model's (its defaults when absent; 400 naming the parameter and
 * the values the model allows otherwise), `input_reference` only for a model that takes an image. Unknown fields are
 * rejected. Its JSON Schema (the OpenAPI document's) is the same whatever the catalogue: no enums, as the values are
 * per model, at GET /v1/models.
 */
export function createVideoBodySchema(options: { catalogue: Catalogue }) {
  const { catalogue } = options;
  const ids = modelIds(catalogue);
  return z
    .pipe(
      z
        .strictObject({
          prompt: z
            .string({ error: 'prompt must be a string' })
            .check(
              z.trim(),
              z.minLength(1, { error: 'prompt must not be empty' }),
              z.maxLength(MAX_PROMPT_LENGTH, { error: `prompt must be at most ${MAX_PROMPT_LENGTH} characters` }),
              z.describe('What the video shows; 1 to 4,000 characters after trimming'),
            ),
          model: z.optional(
            z.string({ error: 'model must be a string' }).check(
              z.refine((model) => ids.includes(model), { error: notOneOf('model', ids) }),
              z.describe('A model id of GET /v1/models; the first model listed there by default'),
            ),
          ),
          seconds: z.optional(
            z
              .string({ error: 'seconds must be a string' })
              .check(
                z.describe(
                  "Clip length in seconds, as a string: one of the model's `seconds` (GET /v1/models); its `default_seconds` by default",
                ),
              ),
          ),
          size: z.optional(
            z
              .string({ error: 'size must be a string' })
              .check(
                z.describe(
                  "Width x height: one of the model's `sizes` (GET /v1/models); its `default_size` by default",
                ),
              ),
          ),
          metadata: z.optional(metadataSchema()),
          input_reference: z.optional(inputReferenceSchema()),
        })
        .check(
          z.superRefine((body, ctx) => {
            const model = findModel(catalogue, body.model ?? ids[0]!);
            if (model === undefined) return;
            if (body.seconds !== undefined && !model.seconds.includes(body.seconds)) {
              ctx.addIssue({
                code: 'custom',
                path: ['seconds'],
                message: notOneOf('seconds', model.seconds),
                input: body.seconds,
              });
            }
            if (body.size !== undefined && !model.sizes.includes(body.size)) {
              ctx.addIssue({
                code: 'custom',
                path: ['size'],
                message: notOneOf('size', model.sizes),
                input: body.size,
              });
            }
            if (body.input_reference !== undefined && !model.capabilities.image_input) {
              ctx.addIssue({
                code: 'custom',
                path: ['input_reference'],
                message: `model ${model.id} does not take input_reference (an image as the first frame)`,
                input: body.input_reference,
              });
            }
          }),
        ),
      z.transform((body) => {
        const model = findModel(catalogue, body.model ?? ids[0]!)!;
        return {
          ...body,
          model: model.id,
          seconds: body.seconds ?? model.default_seconds,
          size: body.size ?? model.default_size,
        };
      }),
    )
    .check(z.describe('Create a video from a text prompt'));
}

export type CreateVideoBody = z.output<ReturnType<typeof createVideoBodySchema>>;

const promptSchema = lazy(() =>
  z
    .string({ error: 'prompt must be a string' })
    .check(
      z.trim(),
      z.minLength(1, { error: 'prompt must not be empty' }),
      z.maxLength(MAX_PROMPT_LENGTH, { error: `prompt must be at most ${MAX_PROMPT_LENGTH} characters` }),
    ),
);

/** The body of `POST /v1/videos/{id}/remix`: only the new prompt (model, size and seconds are the source's). */
export const remixVideoBodySchema = lazy(() =>
  z
    .strictObject({
      prompt: promptSchema().check(z.describe('What changes in the remix; 1 to 4,000 characters after trimming')),
    })
    .check(z.describe('Remix a completed video with a new prompt')),
);

export type RemixVideoBody = z.output<ReturnType<typeof remixVideoBodySchema>>;

/** `video` of an edit or an extension: the id of one of the caller's completed videos (OpenAI's reference). */
const sourceVideoReferenceSchema = lazy(() =>
  z
    .strictObject({
      id: z.string({ error: 'video.id must be a string' }).check(z.minLength(1), z.maxLength(64)),
    })
    .check(z.describe('The caller’s completed video, by id; uploaded video files are not supported')),
);

/** The body of `POST /v1/videos/edits` (JSON, or the `openai` SDK's form with `video[id]`). */
export const editVideoBodySchema = lazy(() =>
  z
    .strictObject({
      video: sourceVideoReferenceSchema(),
      prompt: promptSchema().check(z.describe('How to edit the source video; 1 to 4,000 characters after trimming')),
    })
    .check(z.describe('A new video editing one of the caller’s completed videos')),
);

export type EditVideoBody = z.output<ReturnType<typeof editVideoBodySchema>>;

/** The body of `POST /v1/videos/extensions`. */
export const extendVideoBodySchema = lazy(() =>
  z
    .strictObject({
      video: sourceVideoReferenceSchema(),
      prompt: promptSchema().check(z.describe('What happens in the extension; 1 to 4,000 characters after trimming')),
      seconds: z
        .string({ error: 'seconds must be a string' })
        .check(
          z.describe(
            'Length of the new segment, as a string: one of the source model’s `seconds` (GET /v1/models); the ' +
              'extended video lasts the source’s plus this',
          ),
        ),
    })
    .check(z.describe('A new video extending one of the caller’s completed videos')),
);

export type ExtendVideoBody = z.output<ReturnType<typeof extendVideoBodySchema>>;

/** The body of `POST /v1/videos/{id}/cancel`, which may be left out: if sent, an empty JSON object. */
export const cancelVideoBodySchema = lazy(() =>
  z.strictObject({}).check(z.describe('Cancel takes no parameters; a body, if sent, must be an empty JSON object')),
);

/** The body of `POST /v1/uploads`: the exact size of the image to upload, which the PUT URL is signed for. */
export const createUploadBodySchema = lazy(() =>
  z
    .strictObject({
      bytes: z
        .number({ error: 'bytes must be an integer' })
        .check(
          z.int({ error: 'bytes must be an integer' }),
          z.gte(1, { error: 'bytes must be at least 1' }),
          z.lte(MAX_UPLOAD_BYTES, { error: `bytes must be at most ${MAX_UPLOAD_BYTES} (50 MiB)` }),
          z.describe(
            `The image’s exact size in bytes, 1 to ${MAX_UPLOAD_BYTES} (50 MiB): the PUT must send this Content-Length`,
          ),
        ),
    })
    .check(z.describe('The size of the image to upload')),
);

export type CreateUploadBody = z.output<ReturnType<typeof createUploadBodySchema>>;

/** The answer of `POST /v1/uploads`: where to PUT the image, and the id to pass as `input_reference.file_id`. */
export const uploadResourceSchema = lazy(() =>
  z
    .object({
      id: z.string().check(z.describe('Pass as input_reference: {"file_id": id} (file_...)')),
      object: z.literal('upload'),
      upload_url: z.string().check(z.describe('A presigned URL: PUT the image bytes to it (no Authorization header)')),
      method: z.literal('PUT'),
      headers: z
        .object({
          'content-length': z.string().check(z.describe('The bytes of the request, as a decimal string')),
        })
        .check(z.describe('Headers the PUT must send as they are: upload_url is signed for them')),
      max_bytes: z.number().check(z.int(), z.describe('The largest image the upload may hold (checked when used)')),
      url_expires_at: z.number().check(z.int(), z.describe('Unix seconds after which upload_url stops working')),
      expires_at: z.number().check(z.int(), z.describe('Unix seconds after which the id can no longer be used')),
    })
    .check(z.describe('A presigned upload of a reference image')),
);

export type UploadResource = z.output<ReturnType<typeof uploadResourceSchema>>;

/** The query of `GET /v1/videos`. */
export const listVideosQuerySchema = lazy(() =>
  z
    .object({
      limit: pageLimitSchema(),
      after: z
        .optional(z.string().check(z.minLength(1), z.maxLength(2048)))
        .check(
          z.describe(
            'Where the previous page ended: its last_id (the id of the last video seen, as the openai SDK pages) or its next_cursor',
          ),
        ),
      order: z
        .optional(z.literal('desc', { error: 'order must be desc: videos are listed newest first' }))
        .check(z.describe('Only desc (newest first), accepted for OpenAI clients that send it')),
      status: z
        .optional(z.enum(VIDEO_STATUSES, { error: `status must be one of ${VIDEO_STATUSES.join(', ')}` }))
        .check(z.describe('Only videos in this status')),
    })
    .check(z.describe('List the caller’s videos, newest first')),
);

export type ListVideosQuery = z.output<ReturnType<typeof listVideosQuerySchema>>;

/** The query of `GET /v1/videos/{id}/content`. */
export const contentQuerySchema = lazy(() =>
  z
    .object({
      variant: z
        ._default(z.enum(CONTENT_VARIANTS, { error: `variant must be one of ${CONTENT_VARIANTS.join(', ')}` }), 'video')
        .check(z.describe('Which stored asset to download')),
    })
    .check(z.describe('Download a completed video or one of its previews')),
);

export type ContentQuery = z.output<ReturnType<typeof contentQuerySchema>>;

/** The path parameter `{id}` of the video routes. */
export const videoIdPathSchema = lazy(() =>
  z.object({
    id: z.string().check(z.minLength(1), z.maxLength(64), z.describe('The video id (vid_...)')),
  }),
);

/** The video resource as the API returns it (snake_case, Unix seconds, integer micros). */
export const videoResourceSchema = lazy(() =>
  z
    .object({
      id: z.string(),
      object: z.literal('video'),
      status: z.enum(VIDEO_STATUSES),
      progress: z.number().check(z.int(), z.gte(0), z.lte(100)),
      prompt: z.string(),
      model: z.string(),
      seconds: z.string(),
      size: z.string(),
      provider: z
        .string()
        .check(
          z.describe(
            'The provider kind that makes the video (e.g. openai), bound when it was admitted: the first of its ' +
              'model’s route then; a remix, edit or extension goes to its source’s',
          ),
        ),
      remixed_from_video_id: z.nullable(z.string()),
      derived_from: z
        .nullable(z.object({ kind: z.enum(['remix', 'edit', 'extension']), video_id: z.string() }))
        .check(
          z.describe(
            'The caller’s video this one was made from and how (remix, edit or extension); null for a video made ' +
              'from a prompt. An extension’s `seconds` is the source’s plus the extension’s (the stitched length)',
          ),
        ),
      metadata: z.record(z.string(), z.string()),
      input_reference: z
        .nullable(
          z.object({
            source: z.enum(['file', 'file_id', 'image_url']),
            content_type: z.enum(['image/jpeg', 'image/png', 'image/webp']),
            bytes: z.number().check(z.int()),
            width: z.number().check(z.int()),
            height: z.number().check(z.int()),
            sha256: z.string(),
          }),
        )
        .check(z.describe('The image the video starts from, described (never its bytes); null when none')),
      created_at: z.number().check(z.int()),
      updated_at: z.number().check(z.int()),
      completed_at: z.nullable(z.number().check(z.int())),
      expires_at: z
        .null()
        .check(
          z.describe('Always null: stored videos do not expire until deleted (OpenAI’s field, kept for its clients)'),
        ),
      error: z.nullable(z.object({ code: z.string(), message: z.string() })),
      cost: z.object({
        currency: z.literal('USD'),
        estimated_micros: z.number().check(z.int()),
        charged_micros: z
          .nullable(z.number().check(z.int()))
          .check(
            z.describe(
              'Set once, when the video settles: its price when completed; 0 when failed or cancelled before the ' +
                'provider accepted the job. Cancelled after: null until the provider’s outcome is known, then the ' +
                'price if the provider finished (and billed) the job, else 0',
            ),
          ),
      }),
      content: z.nullable(
        z.object({
          content_type: z.literal('video/mp4'),
          bytes: z.number().check(z.int()),
          sha256: z.string(),
          variants: z.array(z.enum(CONTENT_VARIANTS)),
        }),
      ),
    })
    .check(z.describe('A video')),
);

export type VideoResource = z.output<ReturnType<typeof videoResourceSchema>>;

/** A page of videos: OpenAI's list shape (`first_id`, `last_id`, `has_more`) plus reelflow's `next_cursor`. */
export const videoListSchema = lazy(() =>
  z.object({
    object: z.literal('list'),
    data: z.array(videoResourceSchema()),
    first_id: z.nullable(z.string()).check(z.describe('The id of the first video of this page (null when empty)')),
    last_id: z
      .nullable(z.string())
      .check(
        z.describe('The id of the last video of this page (null when empty): pass it as `after` for the next page'),
      ),
    has_more: z.boolean().check(z.describe('Whether a next page exists')),
    next_cursor: z
      .nullable(z.string())
      .check(z.describe('An opaque cursor for the next page (null when none): also accepted as `after`')),
  }),
);

export type VideoList = z.output<ReturnType<typeof videoListSchema>>;

/** The answer of `DELETE /v1/videos/{id}`. */
export const deletedVideoSchema = lazy(() =>
  z
    .object({ id: z.string(), object: z.literal('video.deleted'), deleted: z.literal(true) })
    .check(z.describe('A deleted video')),
);

export type DeletedVideo = z.output<ReturnType<typeof deletedVideoSchema>>;

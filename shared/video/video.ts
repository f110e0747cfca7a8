import { createHash } from 'node:crypto';
import { LEGACY_PROVIDER_KIND } from '../provider/kinds';
import { VIDEO_KEY_PREFIX } from './object-keys';
import type { ContentVariant, VideoResource, VideoSeconds, VideoSize, VideoStatus } from './schemas';
import { TERMINAL_STATUSES } from './schemas';

/** The error a failed video carries (`error.code` on the wire). */
export interface VideoFailure {
  code: string;
  message: string;
}

/** Where and what the stored MP4 is. */
export interface VideoContent {
  contentType: 'video/mp4';
  bytes: number;
  sha256: string;
  variants: ContentVariant[];
  bucket: string;
  /** The MP4's key; the previews sit next to it (see contentKey). */
  key: string;
}

/** The reference image a video starts from (`input_reference`): where it is stored and what it is, never its bytes. */
export interface InputReferenceRecord {
  bucket: string;
  /** `videos/{userId}/{videoId}/input-reference` (see inputReferenceKey): removed with the video. */
  key: string;
  contentType: 'image/jpeg' | 'image/png' | 'image/webp';
  bytes: number;
  width: number;
  height: number;
  sha256: string;
  /** How the request gave it: a file part, an upload's `file_id`, or an `image_url`. */
  source: 'file' | 'file_id' | 'image_url';
}

/** How a video made from another one was made: the provider's edit or extension of the source's job. */
export type DerivationKind = 'edit' | 'extension';

/**
 * The source of an edit or an extension (a remix keeps its own fields, which predate this one). The provider's job
 * does not name its source, so the job id is kept here for the create and the stitched length for the resource.
 */
export interface DerivedFromRecord {
  kind: DerivationKind;
  /** reelflow's id of the source video (the caller's own, completed). */
  videoId: string;
  /** The provider's job id of the source, which the provider edits or extends. */
  providerVideoId: string;
  /** The source's length in seconds as delivered (stitched, for an extended source): an extension's video lasts this plus its own `seconds`. */
  sourceSeconds: number;
}

/**
 * The length of what the provider generates for a video, as a string: a length its model offers ({@link VideoSeconds}),
 * or, for a remix or an edit of an extended video, the extension's stitched length (at most 20 seconds).
 */
export type GeneratedSeconds = VideoSeconds;

/** A video as the application sees it (the repository maps it to and from its DynamoDB item). */
export interface VideoRecord {
  videoId: string;
  userId: string;
  status: VideoStatus;
  progress: number;
  prompt: string;
  model: string;
  /**
   * The seconds the provider generates and bills: a create's length; a remix's or an edit's, the whole source as
   * delivered (an extended source's stitched length); an extension's, its new segment.
   */
  seconds: GeneratedSeconds;
  size: VideoSize;
  metadata: Record<string, string>;
  remixedFromVideoId: string | null;
  /** Unix seconds. */
  createdAt: number;
  updatedAt: number;
  completedAt: number | null;
  error: VideoFailure | null;
  /** Integer micro-USD: the catalogue's price per second at admission × `seconds`; what a charge takes. */
  estimatedMicros: number;
  chargedMicros: number | null;
  /** The catalogue's price version when the video was admitted (shared/catalogue/). */
  priceVersion: string;
  /**
   * The provider kind the video is bound to (its model's route when admitted; a derived video's source's). Records
   * written before the catalogue have none and read as `openai` (item.ts).
   */
  provider?: string;
  /**
   * The provider's own model id the job is made with (the route's, when admitted; a derived video's source's). Records
   * written before the catalogue have none and read as `model`.
   */
  providerModel?: string;
  /**
   * What the provider charges per second at the video's size, when its route step gave it (a provider that reports no
   * cost): recorded at admission, so a catalogue change never changes a video's provider cost. Absent: none given.
   */
  providerUnitCostMicros?: number;
  content: VideoContent | null;
  /**
   * sha256 (hex) of the prompt as sent to the provider: what the search for an orphaned provider job matches on, so
   * it still finds the job after a delete or an erasure has removed the prompt. Absent on records written before it
   * existed (the prompt is hashed then).
   */
  promptSha256?: string;
  /**
   * The id of the Powertools idempotency record that holds this video's create or remix answer (prompt and metadata
   * included), when the request carried an Idempotency-Key: a delete removes that record too.
   */
  idempotencyRecordId?: string;
  /** The provider's job id (`video_...`) once a job is created or adopted; never public. */
  providerVideoId: string | null;
  /** How many times CreateGenerationJob has tried to create the provider job. */
  providerCreateAttempts: number;
  /** Unix seconds of the first provider-create attempt (bounds the search for an orphaned job). */
  providerFirstAttemptAt: number | null;
  /**
   * Of those attempts, how many are known to have made no billable job: the provider refused the create, failed the
   * job at once or answered 429, or nothing was sent. Fewer than the attempts, with no job id saved: a create may be
   * in flight (or its answer lost), and a cancel then holds the money. Absent: none.
   */
  providerCreateResolvedAttempts?: number;
  /** For a remix: the provider's job id of the source video, which the provider remixes. Absent: not a remix. */
  remixSourceProviderVideoId?: string | null;
  /**
   * For an edit or an extension: its source. `seconds` is then what the provider generates and bills (an extension's
   * new segment, an edit's whole length, stitched when its source was extended). Absent: not an edit nor an extension.
   */
  derivedFrom?: DerivedFromRecord | null;
  /** The image the video starts from, stored under the video's prefix. Absent: made from its prompt alone. */
  inputReference?: InputReferenceRecord | null;
  /**
   * Unix seconds of `DELETE /v1/videos/{id}`: the stored objects are gone and the record is a tombstone kept for the
   * cost trail (it answers 404 everywhere and is out of the user's list). Absent: not deleted.
   */
  deletedAt?: number | null;
  /**
   * Unix seconds until which the execution waits for the provider's webhook (WaitForProviderWebhook); until then
   * GET /v1/videos/{id} reads the provider's progress (shared/provider/webhooks/progress-read.ts). Never public.
   */
  webhookWaitUntil?: number;
  /** Unix seconds of the last read of the provider's progress by a reader (the cache's age). Never public. */
  progressReadAt?: number;
}

/** sha256 (hex) of a prompt: the provider-job match of {@link VideoRecord.promptSha256}. */
export function promptHash(prompt: string): string {
  return createHash('sha256').update(prompt).digest('hex');
}

/** The prompt hash of a video, from its record or (records older than the field) from its prompt. */
export function promptHashOf(video: Pick<VideoRecord, 'prompt' | 'promptSha256'>): string {
  return video.promptSha256 ?? promptHash(video.prompt);
}

/** The provider kind a video is bound to; a record older than the field was made at the `openai` kind. */
export function providerOf(video: Pick<VideoRecord, 'provider'>): string {
  return video.provider ?? DEFAULT_PROVIDER;
}

/** The provider kind of every video admitted before the catalogue (and so without a `provider`). */
export const DEFAULT_PROVIDER = LEGACY_PROVIDER_KIND;

/** True for statuses a video never leaves. */
export function isTerminal(status: VideoStatus): boolean {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

/** Unix seconds of a date. */
export function unixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/** The S3 key of a stored asset: `videos/{userId}/{videoId}/video.mp4` (+ thumbnail.webp, spritesheet.jpg). */
export function contentKey(userId: string, videoId: string, variant: ContentVariant): string {
  const file = { video: 'video.mp4', thumbnail: 'thumbnail.webp', spritesheet: 'spritesheet.jpg' }[variant];
  return `${VIDEO_KEY_PREFIX}${userId}/${videoId}/${file}`;
}

/** The S3 key of a video's reference image, next to its content (so it is removed with it). */
export function inputReferenceKey(userId: string, videoId: string): string {
  return `${VIDEO_KEY_PREFIX}${userId}/${videoId}/input-reference`;
}

/** The content type of a stored asset. */
export function contentType(variant: ContentVariant): string {
  return { video: 'video/mp4', thumbnail: 'image/webp', spritesheet: 'image/jpeg' }[variant];
}

/**
 * The length of the video the provider delivers, as its job reports it: an extension's is the source's length plus
 * the extension (OpenAI's `seconds` of an extension is the stitched total); every other video's is its `seconds`.
 */
export function deliveredSeconds(video: Pick<VideoRecord, 'seconds' | 'derivedFrom'>): GeneratedSeconds {
  const source = video.derivedFrom;
  if (source === undefined || source === null || source.kind !== 'extension') return video.seconds;
  // At most MAX_EXTENDED_SECONDS (checked when the extension is admitted), in steps of 4.
  return String(source.sourceSeconds + Number(video.seconds)) as GeneratedSeconds;
}

/** What a video was made from, as the API shows it: a remix's, edit's or extension's source; null for none. */
function derivedFromResource(video: VideoRecord): VideoResource['derived_from'] {
  if (video.derivedFrom !== undefined && video.derivedFrom !== null) {
    return { kind: video.derivedFrom.kind, video_id: video.derivedFrom.videoId };
  }
  return video.remixedFromVideoId === null ? null : { kind: 'remix', video_id: video.remixedFromVideoId };
}

/** The API's view of a video (the `video` resource of the OpenAPI document). */
export function toVideoResource(video: VideoRecord): VideoResource {
  return {
    id: video.videoId,
    object: 'video',
    status: video.status,
    progress: video.progress,
    prompt: video.prompt,
    model: video.model,
    seconds: deliveredSeconds(video),
    size: video.size,
    provider: providerOf(video),
    remixed_from_video_id: video.remixedFromVideoId,
    derived_from: derivedFromResource(video),
    metadata: video.metadata,
    input_reference:
      video.inputReference === undefined || video.inputReference === null
        ? null
        : {
            source: video.inputReference.source,
            content_type: video.inputReference.contentType,
            bytes: video.inputReference.bytes,
            width: video.inputReference.width,
            height: video.inputReference.height,
            sha256: video.inputReference.sha256,
          },
    created_at: video.createdAt,
    updated_at: video.updatedAt,
    completed_at: video.completedAt,
    // OpenAI's field: when the provider drops the downloadable assets. reelflow keeps them until deleted.
    expires_at: null,
    error: video.error,
    cost: { currency: 'USD', estimated_micros: video.estimatedMicros, charged_micros: video.chargedMicros },
    content:
      video.content === null
        ? null
        : {
            content_type: video.content.contentType,
            bytes: video.content.bytes,
            sha256: video.content.sha256,
            variants: video.content.variants,
          },
  };
}

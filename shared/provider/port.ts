import type { Readable } from 'node:stream';
import { PermanentProviderError } from '../errors';
import type { AppMetrics } from '../observability/powertools';

/*
 * The provider port: the one interface the pipeline, the reconciler, the webhook receiver and the admission gate talk
 * to. Each provider kind has an adapter (shared/provider/<kind>/) that maps reelflow's neutral requests onto its API
 * and declares, in its capabilities, what it can do; the rest of the code reads those capabilities and never asks
 * which kind it talks to. The registry (shared/provider/adapters.ts) builds an adapter from its kind.
 *
 * Every operation throws only reelflow's errors: RetryableProviderError (429, 5xx, network; `rateLimited` for a
 * 429), PermanentProviderError (any other refusal; `providerStatus` 404 when the provider no longer knows the job,
 * see isUnknownJobError), ContentExpiredError (downloadContent after the provider dropped the bytes) and
 * ProviderCapabilityMissingError (an operation the adapter's capabilities say it lacks: callers check first).
 */

/**
 * A job at the provider, as the adapter names it: an opaque string holding whatever the adapter's later calls need
 * (a bare id, or a model path and a request id). Stored as the video's `providerVideoId`; only the adapter reads it.
 */
export type ProviderJobHandle = string;

/** A job's status, mapped by the adapter from the provider's own names. */
export type ProviderJobStatus = 'queued' | 'in_progress' | 'completed' | 'failed';

/** The files a finished job may offer (`capabilities.variants` says which an adapter serves). */
export type ProviderContentVariant = 'video' | 'thumbnail' | 'spritesheet';

/** A provider's job in reelflow's terms. */
export interface ProviderJob {
  id: ProviderJobHandle;
  status: ProviderJobStatus;
  /** 0..100; always 0 from an adapter that reports no progress (`capabilities.progress` false). */
  progress: number;
  /** The model as the provider names it (the video's provider model, shared/provider/provider-model.ts). */
  model: string;
  prompt: string | null;
  /** The seconds of video the job makes, in reelflow's terms ("4"); an extension's is the stitched total. */
  seconds: string;
  /** The frame size in reelflow's terms ("720x1280"). */
  size: string;
  /** Unix seconds. */
  createdAt: number;
  completedAt: number | null;
  /** Unix seconds after which the provider no longer serves the result; null when it does not say. */
  expiresAt: number | null;
  error: { code: string; message: string } | null;
  /** The handle of the job this one remixes; null (or absent) when it is not a remix. */
  remixedFromVideoId?: ProviderJobHandle | null;
}

/**
 * The image a video starts from, in the form `capabilities.referenceImage` asks for: the bytes as a file part
 * (`file`), or a URL the provider fetches, a presigned https GET (`url`) or a `data:` URL (`data_url`).
 */
export type ProviderReferenceImage =
  | { data: Buffer; contentType: string; filename: string }
  | { url: string; contentType: string };

/**
 * What a job is created with, in reelflow's terms: the adapter maps them per model (seconds as a string or an integer
 * duration, a WxH size or an aspect ratio and a resolution).
 */
export interface ProviderCreateParams {
  prompt: string;
  /** The model id at the provider (providerModelOf). */
  model: string;
  seconds: string;
  size: string;
  inputReference?: ProviderReferenceImage;
}

/** A download in progress: a Node stream of the bytes and the announced length, if any. */
export interface ProviderContent {
  body: Readable;
  contentLength: number | undefined;
  contentType: string | undefined;
}

/** A verified provider event, in reelflow's terms. */
export interface ProviderWebhookEvent {
  /** The delivery's id, the same on every redelivery of one event (the receiver records events by it). */
  deliveryId: string;
  /** The provider's event type, as sent (logged). */
  type: string;
  /** How the event says the job ended; undefined for an event that ends nothing (acknowledged and ignored). */
  outcome: 'completed' | 'failed' | undefined;
  /** The job the event is about. */
  job: ProviderJobHandle;
}

/** Headers of an incoming request, lower-cased. */
export type WebhookHeaders = Readonly<Record<string, string | undefined>>;

/** How an adapter's incoming webhooks are verified and read (present unless `capabilities.webhooks` is `none`). */
export interface ProviderWebhookScheme {
  /** The request headers verification and parsing read (the receiver keeps only these). */
  readonly headers: readonly string[];
  /** Whether `body` is signed under `secret` (and recent enough). Never throws for a bad signature. */
  verify(body: string, headers: WebhookHeaders, secret: string): boolean;
  /** Whether the request's timestamp is recent enough that a signature could verify (a secret refresh is worth it). */
  couldVerifyAt(headers: WebhookHeaders, now: Date): boolean;
  /** The delivery's id from the headers, for logs before the body is read; undefined when absent. */
  deliveryIdOf(headers: WebhookHeaders): string | undefined;
  /** Reads a verified body; a body that is no event of the provider throws ValidationError (400). */
  parseEvent(body: string, headers: WebhookHeaders): ProviderWebhookEvent;
}

/**
 * What an adapter can do, read by the rest of the code instead of asking which provider it is. An operation whose
 * flag is false throws ProviderCapabilityMissingError.
 */
export interface ProviderCapabilities {
  /** The provider kind (`shared/provider/adapters.ts` names them): for logs and metrics, never for branching. */
  readonly kind: string;
  /** How a reference image travels: a multipart file, a URL the provider fetches, a data URL, or not at all. */
  readonly referenceImage: 'file' | 'url' | 'data_url' | 'none';
  /**
   * The provider reports a job's progress (0..100). Without it the poll policy aims at the model's expected duration
   * (shared/pipeline/poll-policy.ts) and readers see no progress until the job ends.
   */
  readonly progress: boolean;
  /** The files a completed job offers; `video` always, previews only where the provider makes them. */
  readonly variants: readonly ProviderContentVariant[];
  /** A running job can be asked to stop (`cancel`). */
  readonly cancel: boolean;
  /** A job can be deleted (`delete`); a provider may refuse a running one with a PermanentProviderError. */
  readonly delete: boolean;
  /** Recent jobs can be listed newest first (`list`): how a job whose create answer was lost is found. */
  readonly list: boolean;
  /** Derived videos: a new job from a completed job and a prompt (`remix`, `edit`), or one that continues it (`extend`). */
  readonly remix: boolean;
  readonly edit: boolean;
  readonly extend: boolean;
  /**
   * How the provider learns where to send a job's events: `none` (polling only), `project` (a URL set once in the
   * provider's project, outside reelflow), `per_request` (a URL sent with each create). The adapter's `webhooks`
   * scheme verifies and reads them.
   */
  readonly webhooks: 'none' | 'project' | 'per_request';
  /** Where a job's cost comes from: the provider reports it on the job, or reelflow computes it from its prices. */
  readonly costSource: 'reported' | 'computed';
  /** How the result reaches reelflow: streamed from the provider (authenticated), or from a URL the job names. */
  readonly resultDelivery: 'stream' | 'url';
  /**
   * When the result stops being served: the job says so (`expiresAt`), or a fixed time after completion.
   * See resultExpiresAt.
   */
  readonly resultExpiry: 'job' | { readonly secondsAfterCompletion: number };
}

/** The provider port: what the pipeline, the reconciler, the receiver and the gate call. */
export interface ProviderAdapter {
  readonly capabilities: ProviderCapabilities;
  /** Verifies and reads incoming webhooks; undefined when `capabilities.webhooks` is `none`. */
  readonly webhooks?: ProviderWebhookScheme | undefined;
  create(params: ProviderCreateParams): Promise<ProviderJob>;
  /** A new job remixing the completed job `source` with a new prompt (model, size, seconds kept). `remix`. */
  remix(source: ProviderJobHandle, params: { prompt: string }): Promise<ProviderJob>;
  /** A new job editing the completed job `source` as `prompt` says. `edit`. */
  edit(source: ProviderJobHandle, params: { prompt: string }): Promise<ProviderJob>;
  /** A new job extending the completed job `source` by `seconds`; the job's `seconds` is the stitched total. `extend`. */
  extend(source: ProviderJobHandle, params: { prompt: string; seconds: string }): Promise<ProviderJob>;
  retrieve(job: ProviderJobHandle): Promise<ProviderJob>;
  /** Asks the provider to stop a running job. `cancel`. */
  cancel(job: ProviderJobHandle): Promise<void>;
  /**
   * Asks the provider to delete a job: one that can stop a running job stops it; one that deletes only finished
   * jobs refuses a running one (a PermanentProviderError). `delete`.
   */
  delete(job: ProviderJobHandle): Promise<void>;
  /** The project's jobs, newest first, page by page (`pageSize` a page). `list`. */
  list(options?: { pageSize?: number }): AsyncIterable<ProviderJob>;
  /** Streams one file of a completed job (`capabilities.variants`). */
  downloadContent(job: ProviderJobHandle, options: { variant: ProviderContentVariant }): Promise<ProviderContent>;
}

/** Where an HTTP provider is and the Secrets Manager secret that holds its key (`{"apiKey", "webhookSecret"}`). */
export interface ProviderClientConfig {
  baseURL: string;
  /** The secret's ARN; its JSON value is `{"apiKey": ..., "webhookSecret": ...}`. */
  secretArn: string;
  /** Per-request timeout until response headers arrive, in milliseconds. */
  timeoutMs: number;
  /** How long the secret stays cached, in seconds. */
  secretMaxAgeSeconds: number;
  /** Where the provider's answers are measured (latency, 401/403, 429); unset measures nothing. */
  metrics?: AppMetrics | undefined;
}

/** The previews (every variant but the video) an adapter serves, in the order they are stored. */
export function previewVariants(capabilities: Pick<ProviderCapabilities, 'variants'>): ProviderContentVariant[] {
  return capabilities.variants.filter((variant) => variant !== 'video');
}

/** Unix seconds after which the provider stops serving a completed job's result; null when unknown. */
export function resultExpiresAt(
  job: Pick<ProviderJob, 'expiresAt' | 'completedAt'>,
  capabilities: Pick<ProviderCapabilities, 'resultExpiry'>,
): number | null {
  const expiry = capabilities.resultExpiry;
  if (expiry === 'job') return job.expiresAt;
  return job.completedAt === null ? null : job.completedAt + expiry.secondsAfterCompletion;
}

/**
 * Whether a provider error says the provider no longer knows the job (404: deleted or expired there), which ends its
 * following like any other outcome. Adapters set `providerStatus`; an error that carries only its HTTP cause
 * (`cause.status`) counts too.
 */
export function isUnknownJobError(error: unknown): error is PermanentProviderError {
  if (!(error instanceof PermanentProviderError)) return false;
  if (error.providerStatus === 404) return true;
  const status = (error.cause as { status?: unknown } | null | undefined)?.status;
  return status === 404;
}

import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import OpenAI, { APIConnectionError, APIError, OpenAIError, toFile } from 'openai';
import { ContentExpiredError, PermanentProviderError, RetryableProviderError } from '../errors';
import type { AppMetrics } from '../observability/powertools';
import type { ContentVariant } from '../video/schemas';
import { observedFetch } from './provider-metrics';

/** The provider's view of one generation job (the `/v1/videos` resource, trimmed to what we use). */
export interface ProviderVideo {
  id: string;
  status: 'queued' | 'in_progress' | 'completed' | 'failed';
  progress: number;
  model: string;
  prompt: string | null;
  seconds: string;
  size: string;
  /** Unix seconds. */
  createdAt: number;
  completedAt: number | null;
  expiresAt: number | null;
  error: { code: string; message: string } | null;
  /** The provider id of the job this one remixes; null (or absent) when it is not a remix. */
  remixedFromVideoId?: string | null;
}

/** What a job is created with. */
export interface ProviderCreateParams {
  prompt: string;
  model: string;
  seconds: string;
  size: string;
  /** The image the video starts from, sent as the `input_reference` file part. */
  inputReference?: { data: Buffer; contentType: string; filename: string };
}

/** A download in progress: a Node stream of the bytes and the announced length, if any. */
export interface ProviderContent {
  body: Readable;
  contentLength: number | undefined;
  contentType: string | undefined;
}

/**
 * The `/v1/videos` provider as the logic modules see it. Every method throws only our errors:
 * RetryableProviderError (429, 5xx, network), PermanentProviderError (other 4xx), ContentExpiredError
 * (downloadContent after the provider dropped the bytes).
 */
export interface VideoProvider {
  create(params: ProviderCreateParams): Promise<ProviderVideo>;
  /** A new job remixing the completed job `sourceProviderVideoId` with a new prompt (model, size, seconds kept). */
  remix(sourceProviderVideoId: string, params: { prompt: string }): Promise<ProviderVideo>;
  /** A new job editing the completed job `sourceProviderVideoId` as `prompt` says (`POST /videos/edits`). */
  edit(sourceProviderVideoId: string, params: { prompt: string }): Promise<ProviderVideo>;
  /**
   * A new job extending the completed job `sourceProviderVideoId` by `seconds` (`POST /videos/extensions`); the
   * job's `seconds` is the stitched total.
   */
  extend(sourceProviderVideoId: string, params: { prompt: string; seconds: string }): Promise<ProviderVideo>;
  retrieve(providerVideoId: string): Promise<ProviderVideo>;
  /**
   * Asks the provider to delete a job (`DELETE /videos/{id}`): a provider that can stop a running job stops it; one
   * that deletes only completed or failed jobs refuses a running one (a PermanentProviderError, e.g. 400).
   */
  delete(providerVideoId: string): Promise<void>;
  /** The project's videos, newest first, page by page. */
  list(options?: { pageSize?: number }): AsyncIterable<ProviderVideo>;
  downloadContent(providerVideoId: string, options: { variant: ContentVariant }): Promise<ProviderContent>;
}

/** Where the provider is and the Secrets Manager secret that holds its key. */
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

/** Resolves the provider's API key; `refresh()` makes the next call read the secret again, past the cache. */
export interface ApiKeyResolver {
  (): Promise<string>;
  refresh(): void;
}

/**
 * Resolves the provider's API key: the JSON secret's `apiKey`, read through Powertools Parameters (cached for
 * `secretMaxAgeSeconds`). Every failure is a RetryableProviderError: Secrets Manager throttled or failed, or the
 * secret is mid-rotation; the task's retries try again. The key never reaches a log or an error message.
 */
export function apiKeyResolver(config: ProviderClientConfig): ApiKeyResolver {
  const { secretArn } = config;
  let forceFetch = false;
  const resolve = async () => {
    let secret: { apiKey?: unknown } | undefined;
    try {
      secret = await getSecret<{ apiKey?: unknown }>(secretArn, {
        transform: 'json',
        maxAge: config.secretMaxAgeSeconds,
        forceFetch,
      });
    } catch (error) {
      throw new RetryableProviderError('The provider key could not be read from its secret', { cause: error });
    }
    forceFetch = false;
    if (typeof secret?.apiKey !== 'string' || secret.apiKey.length === 0) {
      throw new RetryableProviderError('The provider secret has no apiKey');
    }
    return secret.apiKey;
  };
  return Object.assign(resolve, {
    refresh: () => {
      forceFetch = true;
    },
  });
}

/** Seconds from the `retry-after-ms` or `retry-after` (seconds or HTTP date) headers, if any. */
export function retryAfterSeconds(headers: Headers | undefined, now = Date.now()): number | undefined {
  const millis = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(millis) && millis >= 0) return Math.ceil(millis / 1000);
  const value = headers?.get('retry-after');
  if (value === undefined || value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/**
 * Maps an SDK error to ours, keeping it as `cause`: 429, 5xx, 408 and network/timeouts are retryable;
 * other 4xx are permanent, with the provider's error code. Messages carry status and provider message only.
 */
export function mapProviderError(error: unknown, operation: string): Error {
  // The SDK wraps what the key resolver threw; that error already says what happened.
  if (error instanceof OpenAIError && error.cause instanceof RetryableProviderError) return error.cause;
  if (error instanceof APIConnectionError) {
    return new RetryableProviderError(`Provider ${operation} failed: ${error.message}`, { cause: error });
  }
  if (error instanceof APIError && typeof error.status === 'number') {
    const status = error.status;
    const detail = `Provider ${operation} answered ${status}: ${providerMessage(error)}`;
    if (status === 429 || status >= 500 || status === 408) {
      return new RetryableProviderError(detail, {
        cause: error,
        retryAfterSeconds: retryAfterSeconds(error.headers),
        rateLimited: status === 429,
      });
    }
    const message = providerMessage(error);
    return new PermanentProviderError(detail, {
      providerCode: error.code ?? undefined,
      ...(message === 'no message' ? {} : { providerMessage: message }),
      cause: error,
    });
  }
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')) {
    return new RetryableProviderError(`Provider ${operation} timed out`, { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}

function providerMessage(error: APIError): string {
  const body = error.error as { message?: unknown } | undefined;
  return typeof body?.message === 'string' ? body.message : 'no message';
}

function toProviderVideo(video: OpenAI.Videos.Video): ProviderVideo {
  return {
    id: video.id,
    status: video.status,
    progress: video.progress ?? 0,
    model: video.model,
    prompt: video.prompt ?? null,
    seconds: String(video.seconds),
    size: video.size,
    createdAt: video.created_at,
    completedAt: video.completed_at ?? null,
    expiresAt: video.expires_at ?? null,
    error: video.error ?? null,
    remixedFromVideoId: video.remixed_from_video_id ?? null,
  };
}

/** The provider through the official `openai` SDK, with the SDK's own retries off (the state machine retries). */
export class OpenAIVideoProvider implements VideoProvider {
  private readonly client: OpenAI;
  /** Undefined when a client is passed in (tests): then there is no key to refresh. */
  private readonly apiKey: ApiKeyResolver | undefined;

  constructor(config: ProviderClientConfig, client?: OpenAI) {
    this.apiKey = client === undefined ? apiKeyResolver(config) : undefined;
    this.client =
      client ??
      new OpenAI({
        baseURL: config.baseURL,
        apiKey: this.apiKey!,
        maxRetries: 0,
        timeout: config.timeoutMs,
        ...(config.metrics === undefined ? {} : { fetch: observedFetch(config.metrics) }),
      });
  }

  /**
   * Runs `call`; when the provider answers 401 or 403, reads the key again past the cache (it may have been
   * rotated since it was cached) and runs `call` once more before the answer counts as permanent.
   */
  private async withFreshKeyOn401<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const denied = error instanceof APIError && (error.status === 401 || error.status === 403);
      if (!denied || this.apiKey === undefined) throw error;
      this.apiKey.refresh();
      return call();
    }
  }

  async create(params: ProviderCreateParams): Promise<ProviderVideo> {
    try {
      const video = await this.withFreshKeyOn401(async () =>
        this.client.videos.create({
          prompt: params.prompt,
          model: params.model,
          seconds: params.seconds as OpenAI.Videos.VideoSeconds,
          size: params.size as OpenAI.Videos.VideoSize,
          ...(params.inputReference === undefined
            ? {}
            : {
                input_reference: await toFile(params.inputReference.data, params.inputReference.filename, {
                  type: params.inputReference.contentType,
                }),
              }),
        }),
      );
      return toProviderVideo(video);
    } catch (error) {
      throw mapProviderError(error, 'create');
    }
  }

  async remix(sourceProviderVideoId: string, params: { prompt: string }): Promise<ProviderVideo> {
    try {
      return toProviderVideo(
        await this.withFreshKeyOn401(() => this.client.videos.remix(sourceProviderVideoId, { prompt: params.prompt })),
      );
    } catch (error) {
      throw mapProviderError(error, 'remix');
    }
  }

  async edit(sourceProviderVideoId: string, params: { prompt: string }): Promise<ProviderVideo> {
    try {
      return toProviderVideo(
        await this.withFreshKeyOn401(() =>
          this.client.videos.edit({ video: { id: sourceProviderVideoId }, prompt: params.prompt }),
        ),
      );
    } catch (error) {
      throw mapProviderError(error, 'edit');
    }
  }

  async extend(sourceProviderVideoId: string, params: { prompt: string; seconds: string }): Promise<ProviderVideo> {
    try {
      return toProviderVideo(
        await this.withFreshKeyOn401(() =>
          this.client.videos.extend({
            video: { id: sourceProviderVideoId },
            prompt: params.prompt,
            seconds: params.seconds as OpenAI.Videos.VideoSeconds,
          }),
        ),
      );
    } catch (error) {
      throw mapProviderError(error, 'extend');
    }
  }

  async retrieve(providerVideoId: string): Promise<ProviderVideo> {
    try {
      return toProviderVideo(await this.withFreshKeyOn401(() => this.client.videos.retrieve(providerVideoId)));
    } catch (error) {
      throw mapProviderError(error, 'retrieve');
    }
  }

  async delete(providerVideoId: string): Promise<void> {
    try {
      await this.withFreshKeyOn401(() => this.client.videos.delete(providerVideoId));
    } catch (error) {
      throw mapProviderError(error, 'delete');
    }
  }

  async *list(options: { pageSize?: number } = {}): AsyncIterable<ProviderVideo> {
    try {
      // The first page carries the 401/403 of a rotated key: it is fetched (and refreshed) before iterating.
      const pages = await this.withFreshKeyOn401(
        async () => await this.client.videos.list({ order: 'desc', limit: options.pageSize ?? 100 }),
      );
      for await (const video of pages) {
        yield toProviderVideo(video);
      }
    } catch (error) {
      throw mapProviderError(error, 'list');
    }
  }

  async downloadContent(providerVideoId: string, options: { variant: ContentVariant }): Promise<ProviderContent> {
    let response: Response;
    try {
      response = await this.withFreshKeyOn401(() =>
        this.client.videos.downloadContent(providerVideoId, { variant: options.variant }),
      );
    } catch (error) {
      if (error instanceof APIError && (error.status === 404 || error.status === 410)) {
        throw new ContentExpiredError(
          `The provider no longer serves the ${options.variant} of ${providerVideoId} (${error.status})`,
          { cause: error },
        );
      }
      throw mapProviderError(error, 'download');
    }
    if (response.body === null) {
      throw new RetryableProviderError(`Provider download of ${providerVideoId} had no body`);
    }
    const length = Number.parseInt(response.headers.get('content-length') ?? '', 10);
    return {
      body: Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
      contentLength: Number.isFinite(length) && length >= 0 ? length : undefined,
      contentType: response.headers.get('content-type') ?? undefined,
    };
  }
}

/** The client configuration from a function's parsed provider environment. */
export function providerConfigFromEnv(env: {
  PROVIDER_BASE_URL: string;
  PROVIDER_SECRET_ARN: string;
  PROVIDER_TIMEOUT_MS: number;
  PROVIDER_SECRET_MAX_AGE_SECONDS: number;
}): ProviderClientConfig {
  return {
    baseURL: env.PROVIDER_BASE_URL,
    secretArn: env.PROVIDER_SECRET_ARN,
    timeoutMs: env.PROVIDER_TIMEOUT_MS,
    secretMaxAgeSeconds: env.PROVIDER_SECRET_MAX_AGE_SECONDS,
  };
}

import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import OpenAI, { APIError, toFile } from 'openai';
import { ContentExpiredError, ProviderCapabilityMissingError, RetryableProviderError } from '../../errors';
import { type ApiKeyResolver, apiKeyResolver } from '../api-key';
import type {
  ProviderAdapter,
  ProviderCapabilities,
  ProviderClientConfig,
  ProviderContent,
  ProviderContentVariant,
  ProviderCreateParams,
  ProviderJob,
  ProviderJobHandle,
} from '../port';
import { observedFetch } from '../provider-metrics';
import { mapProviderError } from './errors';
import { OPENAI_WEBHOOKS } from './webhooks';

/**
 * The `openai` kind: a `/v1/videos` host (a self-hosted gateway such as LiteLLM, any future host of the shape). Jobs
 * report progress, serve a video, a thumbnail and a spritesheet until `expires_at`, can be listed, deleted (no
 * separate cancel: a delete stops a running job where the host can), remixed, edited and extended; events go to the
 * URL set in the provider's project, signed with Standard Webhooks; the provider reports no cost, so reelflow
 * computes it from its prices.
 */
export const OPENAI_CAPABILITIES: ProviderCapabilities = {
  kind: 'openai',
  referenceImage: 'file',
  progress: true,
  variants: ['video', 'thumbnail', 'spritesheet'],
  cancel: false,
  delete: true,
  list: true,
  remix: true,
  edit: true,
  extend: true,
  webhooks: 'project',
  costSource: 'computed',
  resultDelivery: 'stream',
  resultExpiry: 'job',
};

/** The job handle is the provider's video id itself. */
function toProviderJob(video: OpenAI.Videos.Video): ProviderJob {
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

/**
 * The `openai` kind's adapter, through the official `openai` SDK with the SDK's own retries off (the state machine
 * retries).
 */
export class OpenAIVideoProvider implements ProviderAdapter {
  readonly capabilities = OPENAI_CAPABILITIES;
  readonly webhooks = OPENAI_WEBHOOKS;
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

  async create(params: ProviderCreateParams): Promise<ProviderJob> {
    const reference = params.inputReference;
    if (reference !== undefined && !('data' in reference)) {
      // The capabilities say `file`: a caller that read them never sends a URL.
      throw new ProviderCapabilityMissingError(this.capabilities.kind, 'take a reference image by URL');
    }
    try {
      const video = await this.withFreshKeyOn401(async () =>
        this.client.videos.create({
          prompt: params.prompt,
          model: params.model,
          seconds: params.seconds as OpenAI.Videos.VideoSeconds,
          size: params.size as OpenAI.Videos.VideoSize,
          ...(reference === undefined
            ? {}
            : {
                input_reference: await toFile(reference.data, reference.filename, { type: reference.contentType }),
              }),
        }),
      );
      return toProviderJob(video);
    } catch (error) {
      throw mapProviderError(error, 'create');
    }
  }

  async remix(source: ProviderJobHandle, params: { prompt: string }): Promise<ProviderJob> {
    try {
      return toProviderJob(
        await this.withFreshKeyOn401(() => this.client.videos.remix(source, { prompt: params.prompt })),
      );
    } catch (error) {
      throw mapProviderError(error, 'remix');
    }
  }

  async edit(source: ProviderJobHandle, params: { prompt: string }): Promise<ProviderJob> {
    try {
      return toProviderJob(
        await this.withFreshKeyOn401(() => this.client.videos.edit({ video: { id: source }, prompt: params.prompt })),
      );
    } catch (error) {
      throw mapProviderError(error, 'edit');
    }
  }

  async extend(source: ProviderJobHandle, params: { prompt: string; seconds: string }): Promise<ProviderJob> {
    try {
      return toProviderJob(
        await this.withFreshKeyOn401(() =>
          this.client.videos.extend({
            video: { id: source },
            prompt: params.prompt,
            seconds: params.seconds as OpenAI.Videos.VideoSeconds,
          }),
        ),
      );
    } catch (error) {
      throw mapProviderError(error, 'extend');
    }
  }

  async retrieve(job: ProviderJobHandle): Promise<ProviderJob> {
    try {
      return toProviderJob(await this.withFreshKeyOn401(() => this.client.videos.retrieve(job)));
    } catch (error) {
      throw mapProviderError(error, 'retrieve');
    }
  }

  /** `/v1/videos` has no cancel: a delete is how a running job is stopped (`delete`). */
  async cancel(_job: ProviderJobHandle): Promise<void> {
    throw new ProviderCapabilityMissingError(this.capabilities.kind, 'cancel');
  }

  async delete(job: ProviderJobHandle): Promise<void> {
    try {
      await this.withFreshKeyOn401(() => this.client.videos.delete(job));
    } catch (error) {
      throw mapProviderError(error, 'delete');
    }
  }

  async *list(options: { pageSize?: number } = {}): AsyncIterable<ProviderJob> {
    try {
      // The first page carries the 401/403 of a rotated key: it is fetched (and refreshed) before iterating.
      const pages = await this.withFreshKeyOn401(
        async () => await this.client.videos.list({ order: 'desc', limit: options.pageSize ?? 100 }),
      );
      for await (const video of pages) {
        yield toProviderJob(video);
      }
    } catch (error) {
      throw mapProviderError(error, 'list');
    }
  }

  async downloadContent(
    job: ProviderJobHandle,
    options: { variant: ProviderContentVariant },
  ): Promise<ProviderContent> {
    let response: Response;
    try {
      response = await this.withFreshKeyOn401(() =>
        this.client.videos.downloadContent(job, { variant: options.variant }),
      );
    } catch (error) {
      if (error instanceof APIError && (error.status === 404 || error.status === 410)) {
        throw new ContentExpiredError(
          `The provider no longer serves the ${options.variant} of ${job} (${error.status})`,
          {
            cause: error,
          },
        );
      }
      throw mapProviderError(error, 'download');
    }
    if (response.body === null) {
      throw new RetryableProviderError(`Provider download of ${job} had no body`);
    }
    const length = Number.parseInt(response.headers.get('content-length') ?? '', 10);
    return {
      body: Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
      contentLength: Number.isFinite(length) && length >= 0 ? length : undefined,
      contentType: response.headers.get('content-type') ?? undefined,
    };
  }
}

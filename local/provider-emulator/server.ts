import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, invalidParam, serverError, videoNotFound } from './api-error';
import { ConcurrencyLimiter } from './concurrency-limit';
import { type ContentVariant, contentFor, FIXTURE_SECONDS, videoSha256 } from './content';
import { type FinishJobs, handleControl } from './control';
import { type EmulatorRoute, FaultState, type Faults, faultsSchema } from './faults';
import { type Headers, isMultipart, sendJson } from './http-reply';
import { type Job, JobStore, toResource } from './jobs';
import { listPage } from './list-page';
import { RequestRateLimiter } from './rate-limit';
import { type Body, readBody } from './request-body';
import { matchRoute, type RouteMatch } from './routes';
import { streamContent } from './streaming';
import { parseCreateVideo, parseEdit, parseExtend, parseRemix, type SourceVideoInput } from './validation';
import { type WebhookConfig, WebhookSender } from './webhooks';

export interface EmulatorOptions {
  /** 0 = ephemeral (default). */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /** The bearer key clients must send; default `sk-emulator`. */
  apiKey?: string;
  /** How long a generation takes, in milliseconds; default 30000. */
  jobMs?: number;
  /**
   * Multiplies every job's duration and the requests-per-minute window (default 1). `retry-after` stays in unscaled
   * seconds: the local stack's time-scaled engine shrinks the waits it makes of them by the same factor.
   */
  timeScale?: number;
  /** Where to send `video.completed` / `video.failed` events, and the `whsec_` secret to sign them with. */
  webhook?: WebhookConfig;
  /** Faults active from the start. */
  faults?: Faults;
  /**
   * Jobs that may run at once (`EMULATOR_MAX_CONCURRENT_JOBS`): a create beyond it answers 429 with `retry-after`.
   * The `max_concurrent_jobs` fault overrides it while set. Default: no limit.
   */
  maxConcurrentJobs?: number;
}

export interface RunningEmulator {
  /** Base URL including `/v1`: what the openai SDK takes as `baseURL`. */
  url: string;
  /** `http://host:port`, where the `/__emulator/*` control routes live. */
  origin: string;
  port: number;
  apiKey: string;
  close(): Promise<void>;
}

const MAX_EXTENDED_SECONDS = Number(FIXTURE_SECONDS.at(-1));

/** Starts the emulator of the provider's `/v1/videos` API. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? '127.0.0.1';
  const apiKey = options.apiKey ?? 'sk-emulator';
  const faults = new FaultState(options.faults ? faultsSchema.parse(options.faults) : {});
  const webhooks = options.webhook ? new WebhookSender(options.webhook) : null;
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0)) throw new Error(`timeScale must be a positive number, got ${timeScale}`);
  const jobs = new JobStore(
    options.jobMs ?? 30_000,
    (job) => {
      if (faults.takeDropWebhook(job.prompt)) return;
      webhooks?.send(job.status === 'completed' ? 'video.completed' : 'video.failed', job.id);
    },
    Date.now,
    timeScale,
  );
  const emulator = new Emulator(apiKey, faults, jobs, timeScale, options.maxConcurrentJobs ?? null);

  const server = createServer((req, res) => {
    emulator.handle(req, res).catch((error: unknown) => {
      console.error('provider emulator: unexpected error', error);
      if (!res.headersSent) sendJson(res, 500, serverError(500).toJSON(), {});
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url: `${origin}/v1`,
    origin,
    port,
    apiKey,
    async close() {
      jobs.clear();
      await webhooks?.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/** Routes requests; one instance per running emulator. */
class Emulator {
  private createRequests = 0;
  private readonly requestCounts = new Map<EmulatorRoute, number>();
  private readonly rateLimiter: RequestRateLimiter;
  private readonly concurrency: ConcurrencyLimiter;

  constructor(
    private readonly apiKey: string,
    private readonly faults: FaultState,
    private readonly jobs: JobStore,
    timeScale: number,
    defaultMaxConcurrentJobs: number | null,
  ) {
    this.rateLimiter = new RequestRateLimiter(faults, timeScale);
    this.concurrency = new ConcurrencyLimiter(jobs, faults, defaultMaxConcurrentJobs, timeScale);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    if (url.pathname.startsWith('/__emulator/')) {
      await handleControl(req, res, url, { faults: this.faults, emulator: this });
      return;
    }
    const headers: Headers = { 'x-request-id': `req_${randomBytes(16).toString('hex')}` };
    const route = matchRoute(req.method ?? 'GET', url.pathname);
    if (route) this.requestCounts.set(route.name, (this.requestCounts.get(route.name) ?? 0) + 1);
    if (route?.name === 'create') this.createRequests += 1;
    // Read at most once: by the prompt lookup of a matched fault, or by the route itself.
    let bodyRead: Promise<Body> | undefined;
    const body = () => {
      bodyRead ??= readBody(req);
      return bodyRead;
    };
    try {
      this.authenticate(req);
      const prompt = this.faults.matchesPrompts ? await this.promptOf(route, body) : null;
      this.rateLimiter.check(headers, prompt);
      if (!route) throw new ApiError(404, `Invalid URL (${req.method} ${url.pathname})`);
      const burst = this.faults.takeErrorBurst(route.name, prompt);
      if (burst) throw serverError(burst);
      await this.dispatch(route, req, res, url, headers, body);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      // Drain what the client is still sending so it reads our answer rather than a reset connection.
      req.resume();
      sendJson(res, error.status, error.toJSON(), { ...headers, ...error.headers });
    }
  }

  private async dispatch(
    route: RouteMatch,
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    headers: Headers,
    body: () => Promise<Body>,
  ): Promise<void> {
    const id = route.videoId ?? '';
    switch (route.name) {
      case 'create': {
        const input = parseCreateVideo(await body(), isMultipart(req));
        const job = this.createJob(input);
        if (this.faults.takeDropAfterCreate(job.prompt)) {
          // Crash-like: the job exists, the client never hears about it.
          req.socket.destroy();
          return;
        }
        const delayMs = this.faults.takeDelayCreateAnswer(job.prompt);
        // In flight: the job exists (and runs) while the client still waits for its id.
        if (delayMs !== null) await sleep(delayMs);
        sendJson(res, 200, toResource(job), headers);
        return;
      }
      case 'retrieve':
        sendJson(res, 200, toResource(this.requireJob(id)), headers);
        return;
      case 'list':
        sendJson(res, 200, listPage(this.jobs.all(), url.searchParams), headers);
        return;
      case 'delete': {
        const job = this.requireJob(id);
        if (job.status !== 'completed' && job.status !== 'failed') {
          throw new ApiError(400, `Video '${id}' is ${job.status}; only completed or failed videos can be deleted.`, {
            param: 'video_id',
            code: 'invalid_video_status',
          });
        }
        this.jobs.delete(id);
        sendJson(res, 200, { id, object: 'video.deleted', deleted: true }, headers);
        return;
      }
      case 'content':
        await this.download(id, url.searchParams, res, headers);
        return;
      case 'remix': {
        const { prompt } = parseRemix(await body());
        const source = this.requireCompleted(id, 'video_id');
        sendJson(res, 200, toResource(this.createJob({ ...source, prompt }, source.id)), headers);
        return;
      }
      case 'edit': {
        const input = parseEdit(await body(), isMultipart(req));
        const source = this.sourceOf(input);
        sendJson(res, 200, toResource(this.createJob({ ...source, prompt: input.prompt })), headers);
        return;
      }
      case 'extend': {
        const input = parseExtend(await body(), isMultipart(req));
        const source = this.sourceOf(input);
        const total = Number(source.seconds) + Number(input.seconds);
        if (total > MAX_EXTENDED_SECONDS) {
          throw invalidParam(
            'seconds',
            `The extended video would last ${total} seconds; the maximum is ${MAX_EXTENDED_SECONDS} seconds.`,
          );
        }
        const job = this.createJob({ ...source, prompt: input.prompt, seconds: String(total) });
        sendJson(res, 200, toResource(job), headers);
        return;
      }
    }
  }

  /**
   * The prompt of the job a request is about, for faults with a `match`: the create's body `prompt`, or the prompt
   * of the job that retrieve, content, delete and remix address; null for other routes, unknown jobs and bodies
   * that cannot be read (the route itself answers those).
   */
  private async promptOf(route: RouteMatch | null, body: () => Promise<Body>): Promise<string | null> {
    switch (route?.name) {
      case 'create': {
        const prompt = await body().then(
          (fields) => fields.prompt,
          () => null,
        );
        return typeof prompt === 'string' ? prompt : null;
      }
      case 'retrieve':
      case 'content':
      case 'delete':
      case 'remix':
        return this.jobs.get(route.videoId ?? '')?.prompt ?? null;
      default:
        return null;
    }
  }

  private createJob(
    input: { prompt: string; model: string; size: string; seconds: string },
    remixedFromVideoId: string | null = null,
  ): Job {
    this.concurrency.admit();
    return this.jobs.create({
      prompt: input.prompt,
      model: input.model,
      size: input.size,
      seconds: input.seconds,
      remixedFromVideoId,
      plan: this.faults.planJob(input.prompt),
      contentTtlSeconds: this.faults.contentTtlSeconds,
    });
  }

  private async download(id: string, query: URLSearchParams, res: ServerResponse, headers: Headers): Promise<void> {
    const variant = query.get('variant') ?? 'video';
    if (variant !== 'video' && variant !== 'thumbnail' && variant !== 'spritesheet') {
      throw invalidParam(
        'variant',
        `Invalid value: '${variant}'. Supported values are: 'video', 'thumbnail' and 'spritesheet'.`,
      );
    }
    const job = this.requireJob(id);
    if (job.status === 'failed') {
      throw new ApiError(404, `Video '${id}' failed to generate; it has no content.`, { code: 'video_failed' });
    }
    if (job.status !== 'completed') {
      throw new ApiError(404, 'Video is not ready yet, use GET /v1/videos/{video_id} to check status.', {
        code: 'video_not_ready',
      });
    }
    if (job.expiresAt !== null && Date.now() / 1000 >= job.expiresAt) {
      throw new ApiError(404, `The content of video '${id}' has expired.`, { code: 'video_expired' });
    }
    const content = contentFor(
      { size: job.size, seconds: job.seconds, syntheticBytes: job.plan.syntheticBytes },
      variant as ContentVariant,
    );
    await streamContent(res, content, {
      headers,
      drop: this.faults.takeDropDownload(job.prompt),
      bytesPerSecond: this.faults.slowDownloadBytesPerSecond,
    });
  }

  private sourceOf(input: SourceVideoInput): { model: string; size: string; seconds: string } {
    if ('id' in input.video) return this.requireCompleted(input.video.id, 'video.id');
    // An uploaded source video: the emulator does not decode it and treats it as a 4-second portrait clip.
    return { model: 'sora-2', size: '720x1280', seconds: '4' };
  }

  private requireJob(id: string): Job {
    const job = this.jobs.get(id);
    if (!job) throw videoNotFound(id);
    return job;
  }

  private requireCompleted(id: string, param: string): Job {
    const job = this.jobs.get(id);
    if (!job) throw new ApiError(404, `Video with id '${id}' not found.`, { param, code: 'video_not_found' });
    if (job.status !== 'completed') {
      throw new ApiError(400, `Video '${id}' is ${job.status}; only completed videos can be used as a source.`, {
        param,
        code: 'invalid_video_status',
      });
    }
    return job;
  }

  private authenticate(req: IncomingMessage): void {
    const header = req.headers.authorization;
    if (!header) {
      throw new ApiError(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
      );
    }
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (match?.[1]?.trim() !== this.apiKey) {
      throw new ApiError(401, 'Incorrect API key provided.', { code: 'invalid_api_key' });
    }
  }

  /** What the control routes report: every job, and the requests counted per route since the last reset. */
  async snapshot(): Promise<unknown> {
    const data = await Promise.all(
      this.jobs.all().map(async (job) => ({
        id: job.id,
        status: job.status,
        prompt: job.prompt,
        model: job.model,
        size: job.size,
        seconds: job.seconds,
        created_at: Math.floor(job.createdAtMs / 1000),
        finished_at_ms: job.finishedAtMs,
        content:
          job.status === 'completed' ? await describeContent(job.size, job.seconds, job.plan.syntheticBytes) : null,
      })),
    );
    return {
      data,
      create_requests: this.createRequests,
      requests: Object.fromEntries(this.requestCounts),
      rate_limited_requests: this.rateLimiter.rejectedForLimit,
      running_jobs: this.concurrency.running(),
      max_running_jobs: this.concurrency.maxRunningJobs,
    };
  }

  /** Ends the unfinished jobs whose prompt contains `request.match` now (control route); their ids. */
  finish(request: FinishJobs): string[] {
    const outcome =
      request.status === 'completed'
        ? ({ status: 'completed' } as const)
        : ({
            status: 'failed',
            error: {
              code: request.code ?? 'internal_error',
              message: request.message ?? 'The video generation failed.',
            },
          } as const);
    return this.jobs.finish(request.match, outcome).map((job) => job.id);
  }

  /** Forgets every job, fault and counter. */
  reset(): void {
    this.faults.reset();
    this.jobs.clear();
    this.createRequests = 0;
    this.concurrency.reset();
    this.requestCounts.clear();
    this.rateLimiter.reset();
  }
}

async function describeContent(
  size: string,
  seconds: string,
  syntheticBytes: number | null,
): Promise<{ bytes: number; sha256: string }> {
  const spec = { size, seconds, syntheticBytes };
  return { bytes: contentFor(spec, 'video').bytes, sha256: await videoSha256(spec) };
}

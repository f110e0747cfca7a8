import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';

/** A webhook endpoint as the API answers it (`secret` only in the answer of its creation). */
export interface WebhookEndpoint {
  id: string;
  url: string;
  events: string[];
  status: 'enabled' | 'disabled';
  disabled_reason: string | null;
  failing_since: number | null;
  created_at: number;
  secret?: string;
}

/** One event's delivery to an endpoint. */
export interface WebhookDelivery {
  id: string;
  event_type: string;
  video_id: string;
  status: string;
  attempts: number;
  last_response_code: number | null;
  last_error: string | null;
  last_attempt_at: number | null;
  last_duration_ms: number | null;
  next_attempt_at: number | null;
  created_at: number;
}

/** A page of a list. */
export interface Page<T> {
  data: T[];
  has_more: boolean;
  next_cursor: string | null;
}

/** The video resource as the API's OpenAPI document describes it (only what the CLI reads is typed strictly). */
export interface Video {
  id: string;
  object: 'video';
  status: 'queued' | 'in_progress' | 'storing' | 'completed' | 'failed' | 'cancelled';
  progress: number;
  prompt: string;
  model: string;
  seconds: string;
  size: string;
  remixed_from_video_id: string | null;
  metadata: Record<string, string>;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
  error: { code: string; message: string } | null;
  cost: { currency: string; estimated_micros: number; charged_micros: number | null };
  content: { content_type: string; bytes: number; sha256: string; variants: string[] } | null;
}

export interface VideoList {
  object: 'list';
  data: Video[];
  has_more: boolean;
  next_cursor?: string | null;
}

/**
 * A page of `GET /v1/admin/audit` (a change of limits, a redrive with its `video_id`, or an erasure with its
 * `erasure_id` and no values).
 */
export interface AuditList {
  object: 'list';
  data: Array<{
    id: string;
    action?: string;
    actor_user_id: string;
    user_id: string;
    video_id?: string;
    erasure_id?: string;
    old_values?: Record<string, number | string>;
    new_values?: Record<string, number | string>;
    request_id: string | null;
    created_at: number;
  }>;
  has_more: boolean;
  next_cursor: string | null;
}

/** A page of `GET /v1/admin/videos`: videos of any user (role operators). */
export interface AdminVideoList {
  object: 'list';
  data: Array<Video & { user_id: string }>;
  has_more: boolean;
  next_cursor: string | null;
}

/** `GET /v1/admin/videos/{id}/execution`: the execution's states in order. */
export interface VideoExecution {
  video_id: string;
  status: string;
  started_at: number;
  stopped_at: number | null;
  error: { error: string; cause: string } | null;
  redrive_count: number;
  states: Array<{
    name: string;
    type: string;
    offset_ms: number;
    duration_ms: number | null;
    attempts: number;
    retries: number;
    outcome: string;
    error: { error: string; cause: string } | null;
  }>;
}

/** `POST /v1/admin/videos/{id}/redrive`. */
export interface VideoRedrive {
  video_id: string;
  status: string;
  redrive_count: number;
  restarted_state: string;
  audit_id: string;
}

/** `DELETE /v1/admin/users/{userId}`: an erasure of a user's data and how far it got. */
export interface UserErasure {
  id: string;
  user_id: string;
  status: 'pending' | 'completed';
  requested_by: string;
  requested_at: number;
  completed_at: number | null;
  videos_erased: number;
  videos_cancelled: number;
  objects_deleted: number;
}

export interface CreateVideoBody {
  prompt: string;
  model?: string;
  seconds?: string;
  size?: string;
  metadata?: Record<string, string>;
}

export type ContentVariant = 'video' | 'thumbnail' | 'spritesheet';

/** What a download wrote. */
export interface Download {
  path: string;
  bytes: number;
  sha256: string;
  contentType: string | null;
}

export interface CliErrorDetails {
  /** The API's error code, e.g. `invalid_parameter`; absent for a failure to reach the API. */
  code?: string;
  status?: number;
  requestId?: string;
  /** The API could not be reached (refused, timed out, reset): trying again may help. */
  network?: boolean;
}

/** An error answer of the API (its error envelope), a failure to reach it, or a usage mistake. */
export class CliError extends Error {
  override name = 'CliError';
  readonly code: string | undefined;
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  readonly network: boolean;

  constructor(message: string, details: CliErrorDetails = {}) {
    super(message);
    this.code = details.code;
    this.status = details.status;
    this.requestId = details.requestId;
    this.network = details.network ?? false;
  }

  /** True when trying again later may succeed (429, 5xx, the network). */
  get retryable(): boolean {
    return this.network || this.status === 429 || (this.status !== undefined && this.status >= 500);
  }

  /** The one line the CLI prints: `error: <code>: <message> (request <id>)`. */
  toLine(): string {
    const code = this.code ? `${this.code}: ` : '';
    const request = this.requestId ? ` (request ${this.requestId})` : '';
    return `error: ${code}${this.message}${request}`;
  }
}

export interface ApiClientOptions {
  baseUrl: string;
  token: string | undefined;
  /** Injected in tests; the global fetch otherwise. */
  fetch?: typeof fetch;
  /** Per API request; for a download, the longest silence allowed. Default 30 s. */
  timeoutMs?: number;
}

export type ApiClient = ReturnType<typeof createApiClient>;

/** A small typed client of the reelflow HTTP API (`GET /v1/openapi.json`). Every failure is a `CliError`. */
export function createApiClient(options: ApiClientOptions) {
  const doFetch = options.fetch ?? fetch;
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 30_000;

  async function send(method: string, path: string, init: { json?: unknown; headers?: Record<string, string> } = {}) {
    if (!options.token) {
      throw new CliError(
        'no token: pass --token or set REELFLOW_TOKEN (locally: export REELFLOW_TOKEN=$(npm run -s token -- --user you))',
      );
    }
    const headers: Record<string, string> = { authorization: `Bearer ${options.token}`, ...init.headers };
    if (init.json !== undefined) headers['content-type'] = 'application/json';
    const url = `${baseUrl}${path}`;
    let response: Response;
    try {
      response = await doFetch(url, {
        method,
        headers,
        body: init.json === undefined ? undefined : JSON.stringify(init.json),
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw connectionError(baseUrl, error, timeoutMs);
    }
    if (response.status >= 400) throw await errorFrom(response);
    return response;
  }

  async function json<T>(method: string, path: string, init?: Parameters<typeof send>[2]): Promise<T> {
    const response = await send(method, path, init);
    const text = await response.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new CliError(`the API answered ${response.status} with a body that is not JSON`, {
        code: 'invalid_response',
        status: response.status,
        requestId: requestIdOf(response),
      });
    }
  }

  const idempotency = (key: string | undefined): Record<string, string> => (key ? { 'idempotency-key': key } : {});
  const video = (id: string) => `/v1/videos/${encodeURIComponent(id)}`;

  return {
    createVideo: (body: CreateVideoBody, idempotencyKey?: string) =>
      json<Video>('POST', '/v1/videos', { json: body, headers: idempotency(idempotencyKey) }),
    getVideo: (id: string) => json<Video>('GET', video(id)),
    listVideos: (query: { limit?: string; after?: string; status?: string }) =>
      json<VideoList>('GET', `/v1/videos${queryString(query)}`),
    remixVideo: (id: string, prompt: string, idempotencyKey?: string) =>
      json<Video>('POST', `${video(id)}/remix`, { json: { prompt }, headers: idempotency(idempotencyKey) }),
    cancelVideo: (id: string) => json<Video>('POST', `${video(id)}/cancel`),
    deleteVideo: (id: string) => json<{ id: string; deleted: boolean }>('DELETE', video(id)),
    addWebhook: (body: { url: string; events: string[] }) =>
      json<WebhookEndpoint>('POST', '/v1/webhook_endpoints', { json: body }),
    listWebhooks: (query: { limit?: string; after?: string }) =>
      json<Page<WebhookEndpoint>>('GET', `/v1/webhook_endpoints${queryString(query)}`),
    removeWebhook: (id: string) =>
      json<{ id: string; deleted: boolean }>('DELETE', `/v1/webhook_endpoints/${encodeURIComponent(id)}`),
    webhookDeliveries: (id: string, query: { limit?: string; after?: string }) =>
      json<Page<WebhookDelivery>>(
        'GET',
        `/v1/webhook_endpoints/${encodeURIComponent(id)}/deliveries${queryString(query)}`,
      ),
    usage: (month?: string) => json<Record<string, unknown>>('GET', `/v1/usage${queryString({ month })}`),
    costs: (query: { month: string; user_id?: string }) => json<unknown>('GET', `/v1/admin/costs${queryString(query)}`),
    audit: (query: { user_id?: string; month?: string; limit?: string; after?: string }) =>
      json<AuditList>('GET', `/v1/admin/audit${queryString(query)}`),
    adminVideos: (query: { status?: string; user_id?: string; limit?: string; after?: string }) =>
      json<AdminVideoList>('GET', `/v1/admin/videos${queryString(query)}`),
    execution: (id: string) => json<VideoExecution>('GET', `/v1/admin/videos/${encodeURIComponent(id)}/execution`),
    redrive: (id: string) => json<VideoRedrive>('POST', `/v1/admin/videos/${encodeURIComponent(id)}/redrive`),
    eraseUser: (userId: string) => json<UserErasure>('DELETE', `/v1/admin/users/${encodeURIComponent(userId)}`),
    /** The CSV export, as the API sent it. */
    async costsCsv(query: { month: string; user_id?: string }): Promise<string> {
      const response = await send('GET', `/v1/admin/costs${queryString({ ...query, format: 'csv' })}`);
      return response.text();
    },

    contentUrl,
    download,
  };

  /** Where the API redirects the content route to (a presigned URL); the 302 is followed by `download`. */
  async function contentUrl(id: string, variant: ContentVariant): Promise<string> {
    const response = await send('GET', `${video(id)}/content${queryString({ variant })}`);
    const location = response.headers.get('location');
    await response.body?.cancel();
    if (response.status < 300 || response.status >= 400 || !location) {
      throw new CliError(`expected a redirect to the content, got ${response.status}`, {
        code: 'invalid_response',
        status: response.status,
        requestId: requestIdOf(response),
      });
    }
    return new URL(location, baseUrl).toString();
  }

  /**
   * Follows the content redirect and streams the body into `path` (through `path.part`, renamed once complete),
   * hashing it on the way. The presigned URL gets no Authorization header: it carries its own signature.
   */
  async function download(id: string, variant: ContentVariant, path: string): Promise<Download> {
    const url = await contentUrl(id, variant);
    // A stall, not the whole transfer, is bounded: a big file may take long, a silent connection may not.
    const stall = new AbortController();
    let stallTimer = setTimeout(() => stall.abort(stalled(timeoutMs)), timeoutMs);
    const progressed = () => {
      clearTimeout(stallTimer);
      stallTimer = setTimeout(() => stall.abort(stalled(timeoutMs)), timeoutMs);
    };
    let response: Response;
    try {
      response = await doFetch(url, { signal: stall.signal });
    } catch (error) {
      clearTimeout(stallTimer);
      throw connectionError(new URL(url).origin, error, timeoutMs);
    }
    if (!response.ok || !response.body) {
      clearTimeout(stallTimer);
      await response.body?.cancel();
      throw new CliError(`the storage answered ${response.status} to the download`, {
        code: 'download_failed',
        status: response.status,
      });
    }
    const hash = createHash('sha256');
    let bytes = 0;
    const partPath = `${path}.part`;
    try {
      await pipeline(
        Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>),
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            progressed();
            hash.update(chunk);
            bytes += chunk.length;
            yield chunk;
          }
        },
        createWriteStream(partPath),
      );
      await rename(partPath, path);
    } catch (error) {
      await rm(partPath, { force: true });
      throw new CliError(`the download broke off after ${bytes} bytes (${describe(error)})`, {
        code: 'download_failed',
        network: true,
      });
    } finally {
      clearTimeout(stallTimer);
    }
    return { path, bytes, sha256: hash.digest('hex'), contentType: response.headers.get('content-type') };
  }
}

function stalled(timeoutMs: number): DOMException {
  return new DOMException(`no data for ${timeoutMs / 1000} s`, 'TimeoutError');
}

function queryString(query: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}

function requestIdOf(response: Response): string | undefined {
  return response.headers.get('x-request-id') ?? undefined;
}

/** The API's error envelope as a `CliError`; a body that is not the envelope still gives one line. */
async function errorFrom(response: Response): Promise<CliError> {
  const text = await response.text().catch(() => '');
  let envelope: { error?: { code?: unknown; message?: unknown; request_id?: unknown } } | undefined;
  try {
    envelope = JSON.parse(text);
  } catch {
    envelope = undefined;
  }
  const error = envelope?.error;
  const code = typeof error?.code === 'string' ? error.code : `http_${response.status}`;
  const message =
    typeof error?.message === 'string' ? error.message : response.statusText || `the API answered ${response.status}`;
  const requestId = typeof error?.request_id === 'string' ? error.request_id : requestIdOf(response);
  const retryAfter = response.headers.get('retry-after');
  const hint = retryAfter && response.status === 429 ? `; retry after ${retryAfter} s` : '';
  return new CliError(`${message}${hint}`, { code, status: response.status, requestId });
}

/** A failure to reach `origin`, in plain words. */
function connectionError(origin: string, error: unknown, timeoutMs: number): CliError {
  if (error instanceof DOMException && error.name === 'TimeoutError') {
    return new CliError(`no answer from ${origin} within ${timeoutMs / 1000} s`, { network: true });
  }
  const code = (error as { cause?: { code?: unknown } })?.cause?.code;
  if (code === 'ECONNREFUSED') {
    return new CliError(`cannot connect to ${origin} (connection refused); is the API running? (npm start)`, {
      network: true,
    });
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new CliError(`cannot find the host of ${origin}`, { network: true });
  }
  return new CliError(`cannot reach ${origin} (${describe(error)})`, { network: true });
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } })?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

import type {
  AdminVideoList,
  AuditList,
  ContentVariant,
  CreateVideoBody,
  Download,
  Model,
  ModelList,
  Page,
  UserErasure,
  Video,
  VideoExecution,
  VideoList,
  VideoRedrive,
  WebhookDelivery,
  WebhookEndpoint,
} from './api-types';
import { downloadTo } from './download';
import { CliError, connectionError, errorFrom, requestIdOf } from './errors';

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
    listModels: () => json<ModelList>('GET', '/v1/models'),
    getModel: (id: string) => json<Model>('GET', `/v1/models/${encodeURIComponent(id)}`),
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

  /** Follows the content redirect and saves the content at `path` (download.ts). */
  async function download(id: string, variant: ContentVariant, path: string): Promise<Download> {
    return downloadTo(await contentUrl(id, variant), path, { fetch: doFetch, timeoutMs });
  }
}

function queryString(query: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}

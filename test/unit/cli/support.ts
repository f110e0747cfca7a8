import type { Video } from '../../../cli/api-types';

/** A video resource as the API sends it, with `overrides`. */
export function videoFixture(overrides: Partial<Video> = {}): Video {
  return {
    id: 'vid_01TEST',
    object: 'video',
    status: 'queued',
    progress: 0,
    prompt: 'a red kite over hills',
    model: 'sora-2',
    seconds: '4',
    size: '720x1280',
    remixed_from_video_id: null,
    metadata: {},
    created_at: 1_795_000_000,
    updated_at: 1_795_000_000,
    completed_at: null,
    error: null,
    cost: { currency: 'USD', estimated_micros: 400_000, charged_micros: null },
    content: null,
    ...overrides,
  };
}

/** A stream that keeps what is written; `isTTY` chooses the progress bar or plain lines. */
export function memoryStream(isTTY = false) {
  const chunks: string[] = [];
  return {
    isTTY,
    columns: 120,
    chunks,
    text: () => chunks.join(''),
    write(chunk: string | Uint8Array) {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
      return true;
    },
    // readline.cursorTo/clearLine (used by cli-progress on a TTY) only need write().
    on: () => undefined,
    once: () => undefined,
    emit: () => false,
    // biome-ignore lint/suspicious/noExplicitAny: a minimal NodeJS.WritableStream stand-in
  } as any as NodeJS.WritableStream & { isTTY: boolean; chunks: string[]; text(): string };
}

export interface RecordedRequest {
  url: string;
  method: string;
  headers: Headers;
  body: string | undefined;
}

/** A fetch that answers from `routes` (keyed `METHOD path?query`) and records every request. */
export function fakeFetch(routes: Record<string, (request: RecordedRequest) => Response>) {
  const requests: RecordedRequest[] = [];
  const fetchFn = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    const request: RecordedRequest = {
      url: url.toString(),
      method: init?.method ?? 'GET',
      headers: new Headers(init?.headers),
      body: typeof init?.body === 'string' ? init.body : undefined,
    };
    requests.push(request);
    const route =
      routes[`${request.method} ${url.pathname}${url.search}`] ?? routes[`${request.method} ${url.pathname}`];
    return route ? route(request) : jsonResponse(404, { error: { code: 'not_found', message: 'no such route' } });
  }) as typeof fetch;
  return { fetch: fetchFn, requests };
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', 'x-request-id': 'req-header', ...headers },
  });
}

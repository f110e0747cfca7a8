import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient } from '../../../cli/client';
import { CliError } from '../../../cli/errors';
import { videoFixture } from './support';

// A tiny local HTTP server stands in for the API and for the presigned storage URL the content route redirects to.
type Handler = (request: IncomingMessage, response: ServerResponse, body: string) => void;
const handlers = new Map<string, Handler>();
const seen: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }> = [];
let server: Server;
let baseUrl: string;
let dir: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      const handler = handlers.get(`${request.method} ${request.url}`);
      if (handler) handler(request, response, body);
      else response.writeHead(404, { 'x-request-id': 'req-404' }).end('{"error":{"code":"not_found","message":"x"}}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = await mkdtemp(join(tmpdir(), 'reelflow-cli-client-'));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

/** Answers `route` with `body` as JSON. */
function answerJson(route: string, status: number, body: unknown, headers: Record<string, string> = {}): void {
  handlers.set(route, (_request, response) =>
    response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body)),
  );
}

/** The API's error envelope. */
const apiError = (code: string, message: string) => ({ error: { code, message } });

/** Answers `route` with a redirect to `location` (the content route's presigned URL). */
function redirect(route: string, location: string): void {
  handlers.set(route, (_request, response) => response.writeHead(302, { location }).end());
}

function lastRequest() {
  return seen[seen.length - 1]!;
}

async function failureOf(promise: Promise<unknown>): Promise<CliError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(CliError);
  return error as CliError;
}

describe('cli client', () => {
  it('returns the created video and sends the bearer token, JSON body and Idempotency-Key when creating', async () => {
    // Prepare
    answerJson('POST /v1/videos', 202, videoFixture());
    const client = createApiClient({ baseUrl: `${baseUrl}/`, token: 'tok-1' });

    // Act
    const video = await client.createVideo({ prompt: 'a red kite', seconds: '8' }, 'key-1');

    // Assess
    expect(video.id).toBe('vid_01TEST');
    const request = lastRequest();
    expect(request.headers.authorization).toBe('Bearer tok-1');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['idempotency-key']).toBe('key-1');
    expect(JSON.parse(request.body)).toEqual({ prompt: 'a red kite', seconds: '8' });
  });

  it('throws one line with code, message and request id when the API answers its error envelope', async () => {
    // Prepare
    answerJson(
      'GET /v1/videos?limit=0',
      400,
      {
        error: {
          type: 'invalid_request_error',
          code: 'invalid_parameter',
          message: 'limit must be an integer from 1 to 100',
          param: 'limit',
          request_id: 'req-body',
        },
      },
      { 'x-request-id': 'req-header' },
    );
    const client = createApiClient({ baseUrl, token: 't' });

    // Act
    const error = await failureOf(client.listVideos({ limit: '0' }));

    // Assess
    expect(error.toLine()).toBe('error: invalid_parameter: limit must be an integer from 1 to 100 (request req-body)');
    expect(error.status).toBe(400);
    expect(error.retryable).toBe(false);
  });

  it('throws http_<status> with the x-request-id header when the error body is not the envelope', async () => {
    // Prepare
    handlers.set('GET /v1/videos/vid_gw', (_request, response) =>
      response.writeHead(502, 'Bad Gateway', { 'x-request-id': 'req-gw' }).end('<html>bad gateway</html>'),
    );
    const client = createApiClient({ baseUrl, token: 't' });

    // Act
    const error = await failureOf(client.getVideo('vid_gw'));

    // Assess
    expect(error.toLine()).toBe('error: http_502: Bad Gateway (request req-gw)');
    expect(error.retryable).toBe(true);
  });

  it('names Retry-After in the message when the API answers 429', async () => {
    // Prepare
    answerJson('POST /v1/videos', 429, apiError('quota_exceeded', 'Too many videos today'), { 'retry-after': '30' });
    const client = createApiClient({ baseUrl, token: 't' });

    // Act
    const error = await failureOf(client.createVideo({ prompt: 'p' }));

    // Assess
    expect(error.toLine()).toBe('error: quota_exceeded: Too many videos today; retry after 30 s');
  });

  it('throws a plain-words connection error when nothing listens at the base URL', async () => {
    // Prepare: a port that was free a moment ago
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const client = createApiClient({ baseUrl: `http://127.0.0.1:${port}`, token: 't' });

    // Act
    const error = await failureOf(client.getVideo('vid_x'));

    // Assess
    expect(error.toLine()).toBe(
      `error: cannot connect to http://127.0.0.1:${port} (connection refused); is the API running? (npm start)`,
    );
    expect(error.retryable).toBe(true);
  });

  it('throws before any request when no token is configured', async () => {
    // Prepare
    const before = seen.length;
    const client = createApiClient({ baseUrl, token: undefined });

    // Act
    const error = await failureOf(client.getVideo('vid_x'));

    // Assess
    expect(error.toLine()).toMatch(/^error: no token: pass --token or set REELFLOW_TOKEN/);
    expect(seen.length).toBe(before);
  });

  it('follows the 302 without the bearer token and streams the body to the file when downloading', async () => {
    // Prepare
    const bytes = Buffer.alloc(300_000, 7);
    redirect('GET /v1/videos/vid_ok/content?variant=video', '/storage/video.mp4?X-Amz-Signature=abc');
    handlers.set('GET /storage/video.mp4?X-Amz-Signature=abc', (_request, response) => {
      response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(bytes.length) });
      response.write(bytes.subarray(0, 100_000));
      setTimeout(() => response.end(bytes.subarray(100_000)), 20);
    });
    const client = createApiClient({ baseUrl, token: 'tok-secret' });
    const path = join(dir, 'ok.mp4');

    // Act
    const download = await client.download('vid_ok', 'video', path);

    // Assess
    expect(download).toEqual({
      path,
      bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      contentType: 'video/mp4',
    });
    expect((await readFile(path)).equals(bytes)).toBe(true);
    expect(lastRequest().url).toBe('/storage/video.mp4?X-Amz-Signature=abc');
    expect(lastRequest().headers.authorization).toBeUndefined();
  });

  it('throws download_failed and leaves no file when the storage connection breaks mid-body', async () => {
    // Prepare
    redirect('GET /v1/videos/vid_cut/content?variant=video', `${baseUrl}/storage/cut.mp4`);
    handlers.set('GET /storage/cut.mp4', (_request, response) => {
      response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': '200000' });
      response.write(Buffer.alloc(50_000));
      setTimeout(() => response.destroy(), 20);
    });
    const client = createApiClient({ baseUrl, token: 't' });

    // Act
    const error = await failureOf(client.download('vid_cut', 'video', join(dir, 'cut.mp4')));

    // Assess
    expect(error.code).toBe('download_failed');
    expect(error.toLine()).toMatch(/^error: download_failed: the download broke off after \d+ bytes/);
    expect((await readdir(dir)).filter((name) => name.startsWith('cut.mp4'))).toEqual([]);
  });

  it('completes a download that takes longer than the timeout as long as data keeps coming', async () => {
    // Prepare: 60 chunks 40 ms apart (about 2.4 s in all) against a 2 s stall limit: the transfer outlasts the
    // limit, while each gap stays 50× under it
    redirect('GET /v1/videos/vid_slow/content?variant=video', '/storage/slow.mp4');
    handlers.set('GET /storage/slow.mp4', (_request, response) => {
      response.writeHead(200, { 'content-type': 'video/mp4' });
      let sent = 0;
      const timer = setInterval(() => {
        sent += 1;
        if (sent < 60) response.write(Buffer.alloc(1000, sent));
        else {
          clearInterval(timer);
          response.end(Buffer.alloc(1000, sent));
        }
      }, 40);
    });
    const client = createApiClient({ baseUrl, token: 't', timeoutMs: 2000 });

    // Act
    const download = await client.download('vid_slow', 'video', join(dir, 'slow.mp4'));

    // Assess
    expect(download.bytes).toBe(60_000);
  });

  it('throws download_failed and leaves no file when the storage stops sending', async () => {
    // Prepare
    redirect('GET /v1/videos/vid_stall/content?variant=video', '/storage/stall.mp4');
    handlers.set('GET /storage/stall.mp4', (_request, response) => {
      response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': '100000' });
      response.write(Buffer.alloc(1000));
    });
    const client = createApiClient({ baseUrl, token: 't', timeoutMs: 200 });

    // Act
    const error = await failureOf(client.download('vid_stall', 'video', join(dir, 'stall.mp4')));

    // Assess
    expect(error.toLine()).toBe('error: download_failed: the download broke off after 1000 bytes (no data for 0.2 s)');
    expect((await readdir(dir)).filter((name) => name.startsWith('stall.mp4'))).toEqual([]);
  });

  it('throws the API error and makes no file when the content is not ready', async () => {
    // Prepare
    const busy = apiError('video_not_ready', 'Video vid_busy is in_progress');
    answerJson('GET /v1/videos/vid_busy/content?variant=thumbnail', 409, busy, { 'x-request-id': 'req-409' });
    const client = createApiClient({ baseUrl, token: 't' });

    // Act
    const error = await failureOf(client.download('vid_busy', 'thumbnail', join(dir, 'busy.webp')));

    // Assess
    expect(error.toLine()).toBe('error: video_not_ready: Video vid_busy is in_progress (request req-409)');
    expect((await readdir(dir)).filter((name) => name.startsWith('busy'))).toEqual([]);
  });
});

import { once } from 'node:events';
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { closeServer, readBody } from '../http';
import { FAULT_KINDS, type FaultKind, type ProxiedService } from './config';
import type { FaultCounters } from './counters';
import type { FaultDecider } from './decider';
import { dynamodbError, s3Error, secretsManagerError, sfnError, type WireError } from './wire';

/** A fault-injecting reverse proxy in front of one local service. */
export interface FaultProxyOptions<S extends ProxiedService> {
  service: S;
  /** The real local service, e.g. DynamoDB Local's `http://localhost:8000`. */
  upstream: string;
  decider: FaultDecider<S>;
  counters: FaultCounters;
}

export interface RunningFaultProxy {
  /** The proxy's endpoint on loopback: what the functions get as `AWS_ENDPOINT_URL_<SERVICE>`. */
  url: string;
  close(): Promise<void>;
}

/** What the proxy needs to know about one call before deciding. */
interface Call {
  /** Not a call from the functions' SDK clients (a presigned URL opened by an API client): passed through untouched. */
  exempt: boolean;
  /** The kinds that make sense for this call. */
  applicable: readonly string[];
  /** How many times the service's fault rate this call gets (default 1). */
  rateFactor?: number;
  /** S3 multipart bookkeeping: which multipart operation, and its upload. */
  multipart?: { operation: 'create' | 'complete' | 'abort'; uploadId: string };
}

/** A TransactWriteItems body is small (100 items at most); anything bigger is not one. */
const MAX_TRANSACTION_BYTES = 4 * 1024 * 1024;

/**
 * Starts a reverse proxy on 127.0.0.1 that forwards each request to `upstream` (bodies streamed both ways, the Host
 * header kept so SigV4 signatures still verify) unless the decider picks a fault for it:
 * - an error kind answers with the service's own error shape, without forwarding;
 * - `reset` destroys the connection without forwarding;
 * - `lost` forwards, waits for the whole upstream answer (the request is applied), then destroys the connection.
 * For S3, AbortMultipartUpload (which s3rver lacks) is answered here, and multipart uploads are counted.
 */
export async function startFaultProxy<S extends ProxiedService>(
  options: FaultProxyOptions<S>,
): Promise<RunningFaultProxy> {
  const upstream = new URL(options.upstream);
  const agent = new Agent({ keepAlive: true });

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      // A caller that went away, or an upstream that failed mid-answer: the caller sees a dropped connection. The
      // socket is gone already when the caller went first (null): throwing here would end the whole stack.
      request.socket?.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const call = classify(options.service, request);
    if (call.exempt) return forward(request, response, { lost: false });
    options.counters.request(options.service);
    const kind = options.decider.next(call.applicable as FaultKind<S>[], call.rateFactor);
    if (kind !== undefined) options.counters.fault(options.service, kind);

    if (kind === 'reset') {
      request.socket?.destroy();
      return;
    }
    if (call.multipart?.operation === 'abort') {
      // s3rver has no AbortMultipartUpload: the fault layer answers it (and counts it) as S3 would.
      if (kind === undefined || kind === 'lost') {
        await drain(request);
        options.counters.multipartAborted(call.multipart.uploadId);
        if (kind === 'lost') request.socket?.destroy();
        else response.writeHead(204, { 'x-amz-request-id': 'local-abort' }).end();
        return;
      }
    }
    if (kind === undefined || kind === 'lost') return forward(request, response, { lost: kind === 'lost', call });
    const error = await wireError(options.service, kind, request);
    response.writeHead(error.status, error.headers).end(error.body);
  }

  async function forward(
    request: IncomingMessage,
    response: ServerResponse,
    { lost, call }: { lost: boolean; call?: Call },
  ): Promise<void> {
    const outgoing = httpRequest({
      host: upstream.hostname,
      port: upstream.port,
      method: request.method,
      path: request.url,
      headers: forwardedHeaders(request.headers),
      agent,
    });
    const answered = new Promise<IncomingMessage>((resolve, reject) => {
      outgoing.once('response', resolve);
      outgoing.once('error', reject);
    });
    // Whichever of the two fails first is the one reported; the other must not become an unhandled rejection.
    answered.catch(() => undefined);
    await pipeline(request, outgoing);
    const answer = await answered;
    const status = answer.statusCode ?? 502;
    const inspect = call?.multipart && call.multipart.operation !== 'abort';
    if (!lost && !inspect) {
      response.writeHead(status, answer.headers);
      await pipeline(answer, response);
      return;
    }
    // Read the whole answer: for `lost`, the upstream has then surely applied the request.
    const body = inspect ? await readBody(answer, Number.POSITIVE_INFINITY) : await consume(answer);
    if (call?.multipart && status >= 200 && status < 300) {
      const text = body.toString('utf8');
      if (call.multipart.operation === 'create') {
        const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(text)?.[1];
        if (uploadId) options.counters.multipartCreated(uploadId, !lost);
      } else if (text.includes('<CompleteMultipartUploadResult')) {
        options.counters.multipartCompleted(call.multipart.uploadId);
      }
    }
    if (lost) {
      request.socket?.destroy();
      return;
    }
    const { 'transfer-encoding': _, ...headers } = answer.headers;
    response.writeHead(status, { ...headers, 'content-length': String(body.length) }).end(body);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await closeServer(server);
      agent.destroy();
    },
  };
}

/** A TransactWriteItems call's fault rate, as a multiple of DynamoDB's. */
export const TRANSACTION_RATE_FACTOR = 3;

/** Which faults apply to this request, and whether it is a call from the functions at all. */
function classify(service: ProxiedService, request: IncomingMessage): Call {
  const url = new URL(request.url ?? '/', 'http://proxy');
  if (service === 'dynamodb') {
    const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1];
    const applicable = FAULT_KINDS.dynamodb.filter(
      (kind) => kind !== 'transaction-conflict' || operation === 'TransactWriteItems',
    );
    // Money moves in TransactWriteItems, a few calls among thousands (the admission gate's reads and writes are
    // plain ones): they get TRANSACTION_RATE_FACTOR times the rate, so a run sees conflicts and faulted transactions
    // (at the plain rate a 40-video run drew about 3, and none in about one run in twenty: seed 999221 once).
    return operation === 'TransactWriteItems'
      ? { exempt: false, applicable, rateFactor: TRANSACTION_RATE_FACTOR }
      : { exempt: false, applicable };
  }
  if (service === 's3') {
    // A presigned URL carries its signature in the query and no Authorization header: an API client opened it.
    const presigned = url.searchParams.has('X-Amz-Signature') && !request.headers.authorization;
    const uploadId = url.searchParams.get('uploadId');
    const method = request.method ?? 'GET';
    const operation =
      method === 'POST' && url.searchParams.has('uploads')
        ? 'create'
        : method === 'POST' && uploadId
          ? 'complete'
          : method === 'DELETE' && uploadId
            ? 'abort'
            : undefined;
    return {
      exempt: presigned,
      applicable: FAULT_KINDS.s3,
      ...(operation ? { multipart: { operation, uploadId: uploadId ?? '' } } : {}),
    };
  }
  return { exempt: false, applicable: FAULT_KINDS[service] };
}

async function wireError(service: ProxiedService, kind: string, request: IncomingMessage): Promise<WireError> {
  if (service === 'dynamodb') {
    if (kind === 'transaction-conflict') {
      const body = await readBody(request, MAX_TRANSACTION_BYTES);
      const items = (JSON.parse(body.toString('utf8')) as { TransactItems?: unknown[] }).TransactItems?.length;
      return dynamodbError(kind, items ?? 1);
    }
    await drain(request);
    return dynamodbError(kind as 'throughput' | 'throttle' | 'internal');
  }
  await drain(request);
  if (service === 's3') {
    return s3Error(
      kind as 'slowdown' | 'internal',
      request.method ?? 'GET',
      new URL(request.url ?? '/', 'http://s3').pathname,
    );
  }
  if (service === 'secretsmanager') return secretsManagerError(kind as 'throttle' | 'internal');
  return sfnError(kind as 'throttle');
}

/** The caller's headers, minus `expect` (unsigned by SigV4): the proxy streams the body at once anyway. */
function forwardedHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const { expect: _, ...rest } = headers;
  return rest;
}

/** Reads and discards a request body, so that an error answer leaves the connection usable. */
async function drain(request: IncomingMessage): Promise<void> {
  if (request.readableEnded) return;
  request.resume();
  await once(request, 'end');
}

async function consume(message: IncomingMessage): Promise<Buffer> {
  await drain(message);
  return Buffer.alloc(0);
}

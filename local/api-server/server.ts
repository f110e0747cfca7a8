import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { JWTPayload } from 'jose';
import { LARGE_IMAGE_ALTERNATIVE, MAX_INLINE_REQUEST_BYTES } from '../../shared/http/limits';
import { BodyTooLargeError, closeServer, LOCAL_HOST, listen, readBody, sendJson } from '../http';
import type { LambdaRuntime } from '../lambda/runtime';
import { LocalAuthorizationServer } from '../token/authorization';
import type { LocalIssuer } from '../token/issuer';
import { consoleHandler, type LocalHandler } from './console';
import { buildEvent, newRequestId } from './event';
import { type LocalCors, type LocalRoute, MalformedPathError, matchRoute, type RouteMatch } from './routes';

/**
 * API Gateway takes 10 MB, but what the function receives is bounded by Lambda's 6 MB payload once the body is
 * base64-encoded: the local API refuses above that same limit (one constant), so nothing passes here that a
 * deployment would drop.
 */
const MAX_BODY_BYTES = MAX_INLINE_REQUEST_BYTES;

export interface LocalApiOptions {
  routes: LocalRoute[];
  runtime: LambdaRuntime;
  /** Resolves the issuer once the port is known (its URL is the API's base URL). */
  issuer: (port: number) => Promise<LocalIssuer>;
  cors?: LocalCors;
  port: number;
  /** The interface to listen on. @default '127.0.0.1' */
  host?: string;
  /** One line per request; default: nothing. */
  log?: (line: string) => void;
  /** Local-only `GET` routes answered with JSON before the template's routes (e.g. `/__local/aws-faults`). */
  localRoutes?: Record<string, () => unknown>;
  /** Serve the web console built into this directory at `/console/`, with the local OAuth2 sign-in it uses. */
  consoleDir?: string;
  /** The origin of the presigned URLs the functions hand out, which the console's CSP allows it to fetch. */
  consoleMediaOrigin?: string;
}

export interface LocalApi {
  baseUrl: string;
  port: number;
  issuer: LocalIssuer;
  close(): Promise<void>;
}

/**
 * The local HTTP API: turns requests into API Gateway v2 events for the template's route table, verifies JWTs
 * from the local issuer on routes with a JWT authorizer, and maps the handler's result back as API Gateway does.
 */
export async function startLocalApi(options: LocalApiOptions): Promise<LocalApi> {
  let issuer: LocalIssuer | undefined;
  let baseUrl = '';
  let serveConsole: LocalHandler | undefined;
  const server: Server = createServer((request, response) => {
    const started = Date.now();
    response.on('finish', () =>
      options.log?.(`${request.method} ${request.url} ${response.statusCode} ${Date.now() - started}ms`),
    );
    void handle(request, response).catch((error: unknown) => {
      console.error('local api:', error);
      if (!response.headersSent) sendJson(response, 500, { message: 'Internal Server Error' });
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = newRequestId();
    const baseHeaders = {
      'x-request-id': requestId,
      'apigw-requestid': requestId,
      ...corsHeaders(options.cors, request),
    };
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = (request.method ?? 'GET').toUpperCase();

    if (method === 'GET' && url.pathname === '/.well-known/jwks.json') {
      sendJson(response, 200, issuer!.jwks, baseHeaders);
      return;
    }
    if (serveConsole && (await serveConsole(request, response, url))) return;
    const local = method === 'GET' ? options.localRoutes?.[url.pathname] : undefined;
    if (local) {
      sendJson(response, 200, local(), baseHeaders);
      return;
    }
    let match: RouteMatch | undefined;
    try {
      match = matchRoute(options.routes, method, url.pathname);
    } catch (error) {
      if (!(error instanceof MalformedPathError)) throw error;
      sendJson(
        response,
        400,
        envelope(
          'invalid_parameter',
          'invalid_request_error',
          'The path is not valid percent-encoded UTF-8',
          requestId,
        ),
        baseHeaders,
      );
      return;
    }
    if (!match && method === 'OPTIONS' && options.cors && request.headers.origin) {
      response.writeHead(204, { ...baseHeaders, ...preflightHeaders(options.cors, request) }).end();
      return;
    }
    if (!match) {
      sendJson(
        response,
        404,
        envelope('not_found', 'invalid_request_error', `No route for ${method} ${url.pathname}`, requestId),
        baseHeaders,
      );
      return;
    }
    let claims: JWTPayload | undefined;
    if (match.route.jwt) {
      claims = await authenticate(issuer!, request.headers.authorization);
      if (!claims) {
        sendJson(
          response,
          401,
          envelope('unauthenticated', 'authentication_error', 'Missing or invalid bearer token', requestId),
          {
            ...baseHeaders,
            'www-authenticate': 'Bearer',
          },
        );
        return;
      }
    }
    let body: Buffer;
    try {
      body = await readBody(request, MAX_BODY_BYTES);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      sendJson(
        response,
        413,
        envelope(
          'payload_too_large',
          'invalid_request_error',
          `Request body must be at most ${MAX_BODY_BYTES} bytes; ${LARGE_IMAGE_ALTERNATIVE}`,
          requestId,
        ),
        baseHeaders,
      );
      return;
    }
    const event = buildEvent({ request, url, body, match, claims, requestId, apiId: 'local' });
    let result: unknown;
    try {
      result = await options.runtime.invoke(match.route.functionKey, event);
    } catch (error) {
      // What API Gateway answers when the function itself fails.
      console.error(`local api: ${match.route.routeKey} failed:`, error);
      sendJson(response, 500, { message: 'Internal Server Error' }, baseHeaders);
      return;
    }
    writeResult(response, result, baseHeaders);
  }

  const port = await listen(server, options.port, options.host);
  issuer = await options.issuer(port);
  baseUrl = `http://${urlHost(options.host ?? LOCAL_HOST)}:${port}`;
  if (options.consoleDir) {
    serveConsole = consoleHandler({
      dir: options.consoleDir,
      authorization: new LocalAuthorizationServer(issuer),
      baseUrl: () => baseUrl,
      mediaOrigin: options.consoleMediaOrigin ?? baseUrl,
    });
  }
  return {
    baseUrl,
    port,
    issuer,
    close: () => closeServer(server),
  };
}

async function authenticate(issuer: LocalIssuer, header: string | undefined): Promise<JWTPayload | undefined> {
  // The authorizer's identity source is the Authorization header; "Bearer " is optional, as in API Gateway.
  const token = header?.replace(/^Bearer\s+/i, '').trim();
  if (!token) return undefined;
  try {
    return await issuer.verify(token);
  } catch {
    return undefined;
  }
}

/** Payload format 2.0: a result with `statusCode` is the response; anything else is a 200 JSON body. */
function writeResult(response: ServerResponse, result: unknown, baseHeaders: Record<string, string>): void {
  const structured =
    result !== null && typeof result === 'object' && 'statusCode' in result
      ? (result as APIGatewayProxyStructuredResultV2)
      : undefined;
  if (!structured) {
    const text = typeof result === 'string' ? result : JSON.stringify(result);
    response.writeHead(200, {
      ...baseHeaders,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
    });
    response.end(text);
    return;
  }
  const body =
    structured.body === undefined
      ? Buffer.alloc(0)
      : Buffer.from(structured.body, structured.isBase64Encoded ? 'base64' : 'utf8');
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(structured.headers ?? {})) headers[name.toLowerCase()] = String(value);
  if (structured.cookies?.length) headers['set-cookie'] = structured.cookies;
  for (const [name, value] of Object.entries(baseHeaders)) {
    // API Gateway's CORS headers replace the function's; the function's own x-request-id wins.
    if (name.startsWith('access-control-') || headers[name] === undefined) headers[name] = value;
  }
  headers['content-length'] = String(body.length);
  response.writeHead(structured.statusCode ?? 200, headers);
  response.end(body);
}

/**
 * The host of the API's base URL: `localhost` (the local issuer's `iss` is `http://localhost:<port>` too) when
 * listening on loopback or every interface, else the address itself, IPv6 in brackets.
 */
function urlHost(host: string): string {
  if (['127.0.0.1', '::1', '0.0.0.0', '::', 'localhost'].includes(host)) return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

function envelope(code: string, type: string, message: string, requestId: string) {
  return { error: { type, code, message, param: null, request_id: requestId } };
}

function allowedOrigin(cors: LocalCors | undefined, request: IncomingMessage): string | undefined {
  const origin = request.headers.origin;
  if (!cors || !origin) return undefined;
  const origins = cors.AllowOrigins ?? [];
  if (origins.includes('*')) return cors.AllowCredentials ? origin : '*';
  return origins.includes(origin) ? origin : undefined;
}

function corsHeaders(cors: LocalCors | undefined, request: IncomingMessage): Record<string, string> {
  const origin = allowedOrigin(cors, request);
  if (!cors || !origin) return {};
  return {
    'access-control-allow-origin': origin,
    ...(cors.ExposeHeaders?.length ? { 'access-control-expose-headers': cors.ExposeHeaders.join(',') } : {}),
    ...(cors.AllowCredentials ? { 'access-control-allow-credentials': 'true' } : {}),
  };
}

function preflightHeaders(cors: LocalCors, request: IncomingMessage): Record<string, string> {
  if (!allowedOrigin(cors, request)) return {};
  return {
    'access-control-allow-methods': (cors.AllowMethods ?? ['*']).join(','),
    'access-control-allow-headers': (
      cors.AllowHeaders ?? [String(request.headers['access-control-request-headers'] ?? '')]
    ).join(','),
    ...(cors.MaxAge === undefined ? {} : { 'access-control-max-age': String(cors.MaxAge) }),
  };
}

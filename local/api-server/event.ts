import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import type { JWTPayload } from 'jose';
import { LOCAL_ACCOUNT } from '../template/resolve';
import type { RouteMatch } from './routes';

/** Content types API Gateway passes as text; any other body arrives base64-encoded. */
const TEXT_TYPES = /^(text\/|application\/(json|.*\+json|xml|.*\+xml|javascript|x-www-form-urlencoded))/i;

/** An API Gateway request id, in the shape API Gateway uses (e.g. `ZHtGvgwpoAMEVxQ=`). */
export function newRequestId(): string {
  return randomBytes(10).toString('base64');
}

/**
 * Builds the API Gateway v2 (payload format 2.0) event for a request, as an HTTP API with a JWT authorizer does:
 * lower-cased headers (repeats joined by commas), cookies apart, decoded query parameters (repeats joined by
 * commas), path parameters, claims flattened to strings.
 */
export function buildEvent(options: {
  request: IncomingMessage;
  url: URL;
  body: Buffer;
  match: RouteMatch;
  claims: JWTPayload | undefined;
  requestId: string;
  apiId: string;
}): APIGatewayProxyEventV2WithJWTAuthorizer {
  const { request, url, body, match, claims, requestId } = options;
  const headers: Record<string, string> = {};
  for (let index = 0; index < request.rawHeaders.length; index += 2) {
    const name = request.rawHeaders[index]!.toLowerCase();
    const value = request.rawHeaders[index + 1]!;
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  const cookies = headers.cookie?.split(/;\s*/).filter(Boolean);
  delete headers.cookie;
  const host = headers.host ?? 'localhost';
  headers['x-forwarded-for'] ??= request.socket.remoteAddress ?? '127.0.0.1';
  headers['x-forwarded-proto'] ??= 'http';
  headers['x-forwarded-port'] ??= String(request.socket.localPort ?? '');
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams)
    query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
  const now = new Date();
  const isText = body.length === 0 || TEXT_TYPES.test(headers['content-type'] ?? '');

  return {
    version: '2.0',
    routeKey: match.route.routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies?.length ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(Object.keys(match.pathParameters).length ? { pathParameters: match.pathParameters } : {}),
    requestContext: {
      accountId: LOCAL_ACCOUNT,
      apiId: options.apiId,
      authorizer: {
        principalId: '',
        integrationLatency: 0,
        jwt: { claims: claims ? flattenClaims(claims) : {}, scopes: claims ? scopesOf(claims) : [] },
      },
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      http: {
        method: (request.method ?? 'GET').toUpperCase(),
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: match.route.routeKey,
      stage: '$default',
      time: formatTime(now),
      timeEpoch: now.getTime(),
    },
    ...(body.length ? { body: isText ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: !isText,
  } as APIGatewayProxyEventV2WithJWTAuthorizer;
}

/**
 * API Gateway hands a JWT authorizer's claims to the function as strings: numbers and booleans as their text,
 * arrays as `[a b]` (space-separated in brackets, e.g. `"cognito:groups": "[finance operators]"`).
 */
export function flattenClaims(claims: JWTPayload): Record<string, string> {
  return Object.fromEntries(
    Object.entries(claims)
      // A null-valued claim is left out; nested objects come as JSON text.
      .filter(([, value]) => value !== null && value !== undefined)
      .map(([name, value]) => [
        name,
        Array.isArray(value)
          ? `[${value.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join(' ')}]`
          : typeof value === 'object'
            ? JSON.stringify(value)
            : String(value),
      ]),
  );
}

function scopesOf(claims: JWTPayload): string[] | null {
  return typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : null;
}

/** `21/Nov/2026:11:50:31 +0000`, API Gateway's requestContext.time. */
function formatTime(date: Date): string {
  const month = date.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${month}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localCors, localRoutes } from '../../../local/api-server/routes';
import { type LocalApi, startLocalApi } from '../../../local/api-server/server';
import { describeFunctions, LambdaRuntime } from '../../../local/lambda/runtime';
import { LocalTemplate } from '../../../local/template/resolve';
import { LOCAL_CLIENT_ID, localIssuerUrl, openLocalIssuer } from '../../../local/token/issuer';
import { tinyApi } from './fixtures/tiny-api';

let api: LocalApi;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'reelflow-api-'));
  const template = new LocalTemplate(tinyApi());
  const runtime = new LambdaRuntime(describeFunctions(template, (environment) => environment));
  await runtime.load();
  api = await startLocalApi({
    routes: localRoutes(template, runtime),
    cors: localCors(template),
    runtime,
    port: 0,
    issuer: (port) => openLocalIssuer({ dataDir, issuer: localIssuerUrl(port) }),
  });
});

afterAll(async () => {
  await api?.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function call(path: string, init: RequestInit & { token?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  const response = await fetch(`${api.baseUrl}${path}`, { ...init, headers });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
}

async function foreignToken(claims: Record<string, unknown>, options: { issuer?: string; expiresAt?: number } = {}) {
  const { privateKey } = await import('jose').then((jose) => jose.generateKeyPair('ES256'));
  return new SignJWT({ client_id: LOCAL_CLIENT_ID, ...claims })
    .setProtectedHeader({ alg: 'ES256' })
    .setIssuer(options.issuer ?? api.issuer.issuer)
    .setExpirationTime(options.expiresAt ?? Math.floor(Date.now() / 1000) + 600)
    .sign(privateKey);
}

describe('local API server', () => {
  it('calls the handler without a token when the route has no authorizer', async () => {
    const response = await call('/v1/health');

    expect(response.status).toBe(201);
    expect(response.body.routeKey).toBe('GET /v1/health');
    expect(response.headers.get('x-request-id')).toBe(response.body.requestId);
  });

  it('passes path parameters, decoded query parameters and API Gateway-style string claims when the token is valid', async () => {
    const token = await api.issuer.sign('alice', { groups: ['finance', 'operators'] });

    const response = await call('/v1/things/vid_123?limit=5&tag=a&tag=b%20c', { token });

    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      routeKey: 'GET /v1/things/{id}',
      pathParameters: { id: 'vid_123' },
      query: { limit: '5', tag: 'a,b c' },
    });
    expect(response.body.claims).toMatchObject({
      sub: 'alice',
      'cognito:groups': '[finance operators]',
      token_use: 'access',
    });
    expect(typeof response.body.claims.exp).toBe('string');
    expect(response.headers.get('x-echo')).toBe('yes');
  });

  it('prefers the literal route over the parameter route when both match', async () => {
    const token = await api.issuer.sign('alice');

    const response = await call('/v1/things/special', { token });

    expect(response.body.routeKey).toBe('GET /v1/things/special');
  });

  it('passes a JSON body as text and a binary body base64-encoded', async () => {
    const token = await api.issuer.sign('alice');

    const json = await call('/v1/things', {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    const binary = await call('/v1/things', {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/octet-stream' },
      body: 'abc',
    });

    expect(json.body).toMatchObject({ body: '{"a":1}', isBase64Encoded: false });
    expect(binary.body).toMatchObject({ body: Buffer.from('abc').toString('base64'), isBase64Encoded: true });
  });

  it.each([
    ['no token', async () => undefined],
    ['a token signed by another key', async () => foreignToken({ sub: 'mallory' })],
    ['an expired token', async () => api.issuer.sign('alice', { ttlSeconds: -60 })],
    [
      'an alg none token',
      async () =>
        new UnsecuredJWT({ sub: 'mallory', client_id: LOCAL_CLIENT_ID }).setIssuer(api.issuer.issuer).encode(),
    ],
    ['a token without sub', async () => foreignToken({})],
    ['a token of another issuer', async () => foreignToken({ sub: 'alice' }, { issuer: 'http://localhost:1' })],
    ['garbage', async () => 'not.a.jwt'],
  ])('answers 401 unauthenticated without calling the handler when given %s', async (_, makeToken) => {
    const token = await makeToken();

    const response = await call('/v1/things/vid_1', { token });

    expect(response.status).toBe(401);
    expect(response.body.error).toMatchObject({
      code: 'unauthenticated',
      request_id: response.headers.get('x-request-id'),
    });
  });

  it('answers 401 when a validly signed token lacks sub', async () => {
    const token = await new SignJWT({ client_id: LOCAL_CLIENT_ID })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(api.issuer.issuer)
      .setExpirationTime('10m')
      .sign(await import('jose').then(async (jose) => jose.importJWK(await privateJwk(), 'ES256')));

    const response = await call('/v1/things/vid_1', { token });

    expect(response.status).toBe(401);
  });

  it('answers 404 in the error envelope when no route matches', async () => {
    const response = await call('/v1/nothing-here');

    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('not_found');
  });

  it('answers 400 in the error envelope when a path parameter is not valid percent-encoded UTF-8', async () => {
    const token = await api.issuer.sign('alice');

    for (const path of ['/v1/things/%ED%A0%80', '/v1/things/%E0%A4%A', '/v1/things/%FF']) {
      const response = await call(path, { token });

      expect(response.status, path).toBe(400);
      expect(response.body.error).toMatchObject({ code: 'invalid_parameter', type: 'invalid_request_error' });
      expect(response.body.error.request_id).toBe(response.headers.get('x-request-id'));
    }
  });

  it('answers 200 JSON when the handler returns a plain object', async () => {
    const token = await api.issuer.sign('alice');

    const response = await call('/v1/plain', { token });

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(response.body).toEqual({ plain: true });
  });

  it('answers 500 Internal Server Error as API Gateway does when the handler throws', async () => {
    const token = await api.issuer.sign('alice');

    const response = await call('/v1/crash', { token });

    expect(response.status).toBe(500);
    expect(response.body).toEqual({ message: 'Internal Server Error' });
  });

  it('serves the issuer public key set at /.well-known/jwks.json', async () => {
    const response = await call('/.well-known/jwks.json');

    expect(response.status).toBe(200);
    expect(response.body.keys).toHaveLength(1);
    expect(response.body.keys[0]).toMatchObject({ kty: 'EC', alg: 'ES256' });
    expect(response.body.keys[0].d).toBeUndefined();
  });

  it('answers a CORS preflight from the API CORS configuration', async () => {
    const response = await fetch(`${api.baseUrl}/v1/things`, {
      method: 'OPTIONS',
      headers: { origin: 'http://app.example', 'access-control-request-method': 'POST' },
    });

    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
  });
});

async function privateJwk() {
  const { readFile } = await import('node:fs/promises');
  return JSON.parse(await readFile(join(dataDir, 'issuer', 'signing-key.json'), 'utf8'));
}

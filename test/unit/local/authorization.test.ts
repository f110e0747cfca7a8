import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LocalAuthorizationServer,
  OAuthRequestError,
  readSignInForm,
  s256,
  signInPage,
} from '../../../local/token/authorization';
import { LOCAL_CLIENT_ID, type LocalIssuer, openLocalIssuer } from '../../../local/token/issuer';

const ISSUER = 'http://localhost:3999';
const REDIRECT = `${ISSUER}/console/`;
const VERIFIER = `${'v'.repeat(20)}-._~0123456789abcdefghijklmnopq`;

let dataDir: string;
let issuer: LocalIssuer;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'reelflow-authz-'));
  issuer = await openLocalIssuer({ dataDir, issuer: ISSUER });
});

afterAll(() => rm(dataDir, { recursive: true, force: true }));

const authorizeQuery = (overrides: Record<string, string> = {}) =>
  new URLSearchParams({
    response_type: 'code',
    client_id: LOCAL_CLIENT_ID,
    redirect_uri: REDIRECT,
    state: 'state-1',
    code_challenge: s256(VERIFIER),
    code_challenge_method: 'S256',
    ...overrides,
  });

const tokenForm = (code: string, overrides: Record<string, string> = {}) =>
  new URLSearchParams({
    grant_type: 'authorization_code',
    client_id: LOCAL_CLIENT_ID,
    code,
    redirect_uri: REDIRECT,
    code_verifier: VERIFIER,
    ...overrides,
  });

function codeOf(url: string): string {
  const target = new URL(url);
  expect(target.origin + target.pathname).toBe(REDIRECT);
  expect(target.searchParams.get('state')).toBe('state-1');
  return target.searchParams.get('code') ?? '';
}

describe('LocalAuthorizationServer', () => {
  it('returns an access token of the chosen user and groups when the verifier matches the S256 challenge', async () => {
    // Prepare
    const server = new LocalAuthorizationServer(issuer);
    const code = codeOf(server.approve(server.checkRequest(authorizeQuery()), 'alice', ['finance']));

    // Act
    const reply = await server.exchange(tokenForm(code));

    // Assess
    expect(reply).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    const claims = await issuer.verify(reply.access_token);
    expect(claims).toMatchObject({ sub: 'alice', 'cognito:groups': ['finance'], client_id: LOCAL_CLIENT_ID });
  });

  it('refuses a verifier that does not match, and the code is spent by that attempt', async () => {
    const server = new LocalAuthorizationServer(issuer);
    const code = codeOf(server.approve(server.checkRequest(authorizeQuery()), 'alice', []));

    await expect(server.exchange(tokenForm(code, { code_verifier: 'w'.repeat(43) }))).rejects.toMatchObject({
      code: 'invalid_grant',
    });
    await expect(server.exchange(tokenForm(code))).rejects.toMatchObject({ code: 'invalid_grant' });
  });

  it('refuses a second exchange of the same code', async () => {
    const server = new LocalAuthorizationServer(issuer);
    const code = codeOf(server.approve(server.checkRequest(authorizeQuery()), 'alice', []));
    await server.exchange(tokenForm(code));

    await expect(server.exchange(tokenForm(code))).rejects.toThrow(/unknown, used or expired/);
  });

  it('refuses a code after five minutes', async () => {
    let now = 1_000_000;
    const server = new LocalAuthorizationServer(issuer, () => now);
    const code = codeOf(server.approve(server.checkRequest(authorizeQuery()), 'alice', []));
    now += 5 * 60 * 1000;

    await expect(server.exchange(tokenForm(code))).rejects.toMatchObject({ code: 'invalid_grant' });
  });

  it('refuses an exchange whose redirect_uri differs from the authorization request', async () => {
    const server = new LocalAuthorizationServer(issuer);
    const code = codeOf(server.approve(server.checkRequest(authorizeQuery()), 'alice', []));

    await expect(server.exchange(tokenForm(code, { redirect_uri: `${ISSUER}/console/other` }))).rejects.toMatchObject({
      code: 'invalid_grant',
    });
  });

  it.each([
    ['a plain challenge method', { code_challenge_method: 'plain' }, 'invalid_request'],
    ['no challenge', { code_challenge: '' }, 'invalid_request'],
    ['another client', { client_id: 'someone-else' }, 'invalid_client'],
    ['a redirect to another origin', { redirect_uri: 'https://attacker.example/console/' }, 'invalid_request'],
    ['the implicit flow', { response_type: 'token' }, 'invalid_request'],
  ])('refuses an authorization request with %s', (_label, overrides, code) => {
    const server = new LocalAuthorizationServer(issuer);

    expect(() => server.checkRequest(authorizeQuery(overrides))).toThrow(OAuthRequestError);
    try {
      server.checkRequest(authorizeQuery(overrides));
    } catch (error) {
      expect((error as OAuthRequestError).code).toBe(code);
    }
  });

  it('reads the sign-in form back into the request, keeping only known groups', () => {
    const server = new LocalAuthorizationServer(issuer);
    const request = server.checkRequest(authorizeQuery());
    expect(signInPage(request)).toContain(`value="${request.codeChallenge}"`);

    const form = new URLSearchParams({
      client_id: LOCAL_CLIENT_ID,
      redirect_uri: REDIRECT,
      state: 'state-1',
      code_challenge: request.codeChallenge,
      user: ' bob ',
    });
    form.append('groups', 'operators');
    form.append('groups', 'admins');

    expect(readSignInForm(server, form)).toEqual({ request, userId: 'bob', groups: ['operators'] });
  });

  it('escapes the request’s values in the sign-in page', () => {
    const server = new LocalAuthorizationServer(issuer);
    const request = server.checkRequest(authorizeQuery({ state: '"><script>' }));

    expect(signInPage(request)).not.toContain('"><script>');
  });

  it('returns the signed-in user for a session until /logout ends it', () => {
    // Prepare
    const server = new LocalAuthorizationServer(issuer);
    const session = server.startSession('alice', ['finance']);
    expect(server.session(session)).toEqual({ userId: 'alice', groups: ['finance'] });

    // Act
    const next = server.logout(new URLSearchParams({ client_id: LOCAL_CLIENT_ID, logout_uri: REDIRECT }), session);

    // Assess
    expect(next).toBe(REDIRECT);
    expect(server.session(session)).toBeUndefined();
  });

  it('returns no user for a session an hour old', () => {
    // Prepare
    let now = 1_000_000;
    const server = new LocalAuthorizationServer(issuer, () => now);
    const session = server.startSession('alice', []);

    // Act
    now += 60 * 60 * 1000;

    // Assess
    expect(server.session(session)).toBeUndefined();
  });

  it.each([
    ['another client', { client_id: 'someone-else', logout_uri: REDIRECT }, 'invalid_client'],
    [
      'a logout_uri on another origin',
      { client_id: LOCAL_CLIENT_ID, logout_uri: 'https://attacker.example/' },
      'invalid_request',
    ],
  ])('refuses a logout with %s and keeps the session', (_label, query, code) => {
    // Prepare
    const server = new LocalAuthorizationServer(issuer);
    const session = server.startSession('alice', []);

    // Act
    const act = () => server.logout(new URLSearchParams(query), session);

    // Assess
    expect(act).toThrow(expect.objectContaining({ code }));
    expect(server.session(session)).toEqual({ userId: 'alice', groups: [] });
  });
});

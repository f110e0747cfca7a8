import { createHash, randomBytes } from 'node:crypto';
import { LOCAL_CLIENT_ID, type LocalIssuer } from './issuer';

/** How long an authorization code can be exchanged (Cognito's managed login allows 5 minutes). */
const CODE_TTL_MS = 5 * 60 * 1000;
/** The lifetime of a token the console gets, like the deployed app client's access tokens. */
const TOKEN_TTL_SECONDS = 60 * 60;
/** How long a sign-in is remembered (the managed login's session cookie lasts an hour). */
const SESSION_TTL_MS = 60 * 60 * 1000;

/** Thrown for a request the OAuth2 endpoints refuse; `code` is RFC 6749's `error` value. */
export class OAuthRequestError extends Error {
  override name = 'OAuthRequestError' as const;
  constructor(
    readonly code: 'invalid_request' | 'invalid_grant' | 'invalid_client' | 'unsupported_grant_type',
    message: string,
  ) {
    super(message);
  }
}

interface PendingCode {
  userId: string;
  groups: string[];
  redirectUri: string;
  codeChallenge: string;
  expiresAt: number;
}

/** The checked parameters of an authorization request (what the sign-in form carries back). */
export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  state: string;
  codeChallenge: string;
}

interface SignedIn {
  userId: string;
  groups: string[];
  expiresAt: number;
}

/**
 * The local stand-in for Cognito's managed login: OAuth2 authorization code with PKCE (S256 only, as a public client
 * must), issuing the same access tokens `npm run token` prints. A person picks a user id and groups on a form instead
 * of typing a password: the local stack has no user directory. Codes live in memory, are single-use and expire.
 * Like the managed login, a sign-in is remembered in a session (a cookie names it) until it expires or `/logout` ends
 * it: while it lasts, the next authorization request is answered with a code at once, without the form.
 */
export class LocalAuthorizationServer {
  private readonly codes = new Map<string, PendingCode>();
  private readonly sessions = new Map<string, SignedIn>();

  constructor(
    /** Signs the tokens; only redirect URIs on its origin (the console the local API serves) are accepted. */
    private readonly issuer: LocalIssuer,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Checks `GET /oauth2/authorize`'s query; throws {@link OAuthRequestError} before anything is shown. */
  checkRequest(query: URLSearchParams): AuthorizationRequest {
    if (query.get('response_type') !== 'code')
      throw new OAuthRequestError('invalid_request', 'response_type must be code');
    const clientId = query.get('client_id') ?? '';
    if (clientId !== LOCAL_CLIENT_ID) throw new OAuthRequestError('invalid_client', 'unknown client_id');
    const redirectUri = this.checkRedirectUri(query.get('redirect_uri') ?? '');
    if (query.get('code_challenge_method') !== 'S256') {
      throw new OAuthRequestError('invalid_request', 'code_challenge_method must be S256');
    }
    const codeChallenge = query.get('code_challenge') ?? '';
    if (!/^[A-Za-z0-9_-]{43}$/.test(codeChallenge)) {
      throw new OAuthRequestError('invalid_request', 'code_challenge must be a base64url SHA-256 digest');
    }
    return { clientId, redirectUri, state: query.get('state') ?? '', codeChallenge };
  }

  /** Issues a code for the user the form chose; resolves to the URL to redirect the browser to. */
  approve(request: AuthorizationRequest, userId: string, groups: string[]): string {
    if (!/^[\x21-\x7e]{1,128}$/.test(userId)) throw new OAuthRequestError('invalid_request', 'user id is not valid');
    this.sweep();
    const code = randomBytes(32).toString('base64url');
    this.codes.set(code, {
      userId,
      groups,
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge,
      expiresAt: this.clock() + CODE_TTL_MS,
    });
    const target = new URL(request.redirectUri);
    target.searchParams.set('code', code);
    if (request.state) target.searchParams.set('state', request.state);
    return target.toString();
  }

  /** Remembers a sign-in; resolves to the session id its cookie carries. */
  startSession(userId: string, groups: string[]): string {
    const id = randomBytes(32).toString('base64url');
    this.sessions.set(id, { userId, groups, expiresAt: this.clock() + SESSION_TTL_MS });
    return id;
  }

  /** The user and groups of a live session, or undefined for an unknown, ended or expired one. */
  session(id: string | undefined): { userId: string; groups: string[] } | undefined {
    const found = id === undefined ? undefined : this.sessions.get(id);
    if (!found || found.expiresAt <= this.clock()) return undefined;
    return { userId: found.userId, groups: found.groups };
  }

  /**
   * `GET /logout?client_id=&logout_uri=` (Cognito's sign-out endpoint): ends the session and resolves to where the
   * browser goes next, `logout_uri`, which must be on the issuer's origin (as a redirect URI must).
   */
  logout(query: URLSearchParams, sessionId: string | undefined): string {
    if (query.get('client_id') !== LOCAL_CLIENT_ID) throw new OAuthRequestError('invalid_client', 'unknown client_id');
    const target = this.checkRedirectUri(query.get('logout_uri') ?? '', 'logout_uri');
    if (sessionId !== undefined) this.sessions.delete(sessionId);
    return target;
  }

  /** `POST /oauth2/token` with `grant_type=authorization_code`: verifies the PKCE verifier and issues the token. */
  async exchange(form: URLSearchParams): Promise<{ access_token: string; token_type: 'Bearer'; expires_in: number }> {
    if (form.get('grant_type') !== 'authorization_code') {
      throw new OAuthRequestError('unsupported_grant_type', 'grant_type must be authorization_code');
    }
    if (form.get('client_id') !== LOCAL_CLIENT_ID) throw new OAuthRequestError('invalid_client', 'unknown client_id');
    const code = form.get('code') ?? '';
    const pending = this.codes.get(code);
    // Single use: a code is spent by its first exchange, whether that succeeds or not (RFC 6749 §4.1.2).
    this.codes.delete(code);
    if (!pending || pending.expiresAt <= this.clock()) {
      throw new OAuthRequestError('invalid_grant', 'the code is unknown, used or expired');
    }
    if (form.get('redirect_uri') !== pending.redirectUri) {
      throw new OAuthRequestError('invalid_grant', 'redirect_uri differs from the authorization request');
    }
    const verifier = form.get('code_verifier') ?? '';
    if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier) || s256(verifier) !== pending.codeChallenge) {
      throw new OAuthRequestError('invalid_grant', 'code_verifier does not match the code_challenge');
    }
    const accessToken = await this.issuer.sign(pending.userId, {
      groups: pending.groups,
      ttlSeconds: TOKEN_TTL_SECONDS,
    });
    return { access_token: accessToken, token_type: 'Bearer', expires_in: TOKEN_TTL_SECONDS };
  }

  private checkRedirectUri(value: string, name: 'redirect_uri' | 'logout_uri' = 'redirect_uri'): string {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new OAuthRequestError('invalid_request', `${name} is not a URL`);
    }
    // The issuer's own origin only: a code never leaves for another site.
    if (url.origin !== new URL(this.issuer.issuer).origin || url.hash) {
      throw new OAuthRequestError('invalid_request', `${name} must be on the local API’s origin`);
    }
    return url.toString();
  }

  private sweep(): void {
    const now = this.clock();
    for (const [code, pending] of this.codes) if (pending.expiresAt <= now) this.codes.delete(code);
    for (const [id, session] of this.sessions) if (session.expiresAt <= now) this.sessions.delete(id);
  }
}

/** The PKCE S256 transform: base64url(SHA-256(verifier)). */
export function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

/** The local sign-in page: pick a user id and groups; the request's parameters ride along as hidden fields. */
export function signInPage(request: AuthorizationRequest): string {
  const hidden = Object.entries({
    client_id: request.clientId,
    redirect_uri: request.redirectUri,
    state: request.state,
    code_challenge: request.codeChallenge,
  })
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
    .join('');
  const groups = ['finance', 'operators']
    .map((group) => `<label><input type="checkbox" name="groups" value="${group}" checked> ${group}</label>`)
    .join(' ');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>reelflow local sign-in</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>body{font:16px system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem}input[type=text]{width:100%;padding:.4rem}
button{margin-top:1rem;padding:.5rem 1.2rem}fieldset{margin-top:1rem}</style></head><body>
<h1>reelflow local sign-in</h1>
<p>The local stack's stand-in for the Cognito managed login: no password, pick who to be.</p>
<form method="post" action="/oauth2/authorize">${hidden}
<label for="user">User id</label><input type="text" id="user" name="user" value="console-admin" required>
<fieldset><legend>Groups</legend>${groups}</fieldset>
<button type="submit">Sign in</button></form></body></html>`;
}

/** Reads the sign-in form back into a checked request plus the chosen user and groups. */
export function readSignInForm(
  server: LocalAuthorizationServer,
  form: URLSearchParams,
): { request: AuthorizationRequest; userId: string; groups: string[] } {
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: form.get('client_id') ?? '',
    redirect_uri: form.get('redirect_uri') ?? '',
    state: form.get('state') ?? '',
    code_challenge: form.get('code_challenge') ?? '',
    code_challenge_method: 'S256',
  });
  const groups = form.getAll('groups').filter((group) => group === 'finance' || group === 'operators');
  return { request: server.checkRequest(query), userId: (form.get('user') ?? '').trim(), groups };
}

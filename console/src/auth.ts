/**
 * Sign-in by OAuth2 authorization code with PKCE (S256), against Cognito's managed login in AWS and the local
 * issuer's stand-in locally: the same `/oauth2/authorize` and `/oauth2/token` endpoints, named in `config.json`.
 * The access token lives in sessionStorage only (gone with the tab), never in a cookie or localStorage.
 */

/** The console's runtime settings, served beside the bundle. */
export interface ConsoleConfig {
  authorizeUrl: string;
  tokenUrl: string;
  /** The identity provider's sign-out endpoint (Cognito's `/logout`), which ends its own session too. */
  logoutUrl: string;
  clientId: string;
}

/** The signed-in person, read from the access token's claims (the API checks the token; this only shows it). */
export interface Session {
  token: string;
  userId: string;
  groups: string[];
  expiresAt: number;
}

/** Thrown when the identity provider refuses the sign-in or the code exchange. */
export class SignInError extends Error {
  override name = 'SignInError' as const;
}

const TOKEN_KEY = 'reelflow.console.session';
const PENDING_KEY = 'reelflow.console.pkce';

const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

function randomString(bytes: number): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

async function challengeOf(verifier: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
}

/** Where the identity provider sends the browser back: the console's own page, without query or hash. */
export function redirectUri(): string {
  return `${location.origin}${location.pathname.replace(/index\.html$/, '')}`;
}

/** Starts a sign-in: keeps a fresh verifier and state for this tab, then leaves for the authorize endpoint. */
export async function signIn(config: ConsoleConfig): Promise<never> {
  const verifier = randomString(48);
  const state = randomString(16);
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state, hash: location.hash }));
  const url = new URL(config.authorizeUrl);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: redirectUri(),
    scope: 'openid',
    state,
    code_challenge: await challengeOf(verifier),
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url.toString());
  return new Promise<never>(() => undefined);
}

/**
 * Finishes a sign-in when the page was opened with `?code=&state=`: checks the state, exchanges the code with the
 * verifier, stores the session and cleans the URL. Resolves undefined when there is nothing to finish.
 */
export async function completeSignIn(config: ConsoleConfig): Promise<Session | undefined> {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  const error = params.get('error');
  if (!code && !error) return undefined;
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? 'null') as {
    verifier: string;
    state: string;
    hash: string;
  } | null;
  sessionStorage.removeItem(PENDING_KEY);
  history.replaceState(null, '', `${redirectUri()}${pending?.hash ?? ''}`);
  if (error) throw new SignInError(`sign-in refused: ${error} ${params.get('error_description') ?? ''}`.trim());
  if (!pending || params.get('state') !== pending.state) throw new SignInError('sign-in state does not match');
  const reply = await fetch(config.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: config.clientId,
      code: code ?? '',
      redirect_uri: redirectUri(),
      code_verifier: pending.verifier,
    }),
  });
  const body = (await reply.json().catch(() => ({}))) as { access_token?: string; error?: string };
  if (!reply.ok || !body.access_token) throw new SignInError(`token exchange failed: ${body.error ?? reply.status}`);
  const session = sessionOf(body.access_token);
  sessionStorage.setItem(TOKEN_KEY, session.token);
  return session;
}

/** The stored session, unless it expired. */
export function currentSession(): Session | undefined {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return undefined;
  const session = sessionOf(token);
  return session.expiresAt * 1000 > Date.now() ? session : undefined;
}

/**
 * Signs out: forgets the tab's token, then leaves for the identity provider's logout endpoint, which ends its own
 * session (else the next "Sign in" on this browser would sign the same person straight back in) and sends the browser
 * back to the console. The access token itself simply expires (1 hour).
 */
export function signOut(config: ConsoleConfig): Promise<never> {
  sessionStorage.removeItem(TOKEN_KEY);
  const url = new URL(config.logoutUrl);
  url.search = new URLSearchParams({ client_id: config.clientId, logout_uri: redirectUri() }).toString();
  location.assign(url.toString());
  return new Promise<never>(() => undefined);
}

function sessionOf(token: string): Session {
  const payload = token.split('.')[1] ?? '';
  const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;
  const groups = claims['cognito:groups'];
  return {
    token,
    userId: String(claims.username ?? claims.sub ?? ''),
    groups: Array.isArray(groups) ? groups.map(String) : [],
    expiresAt: typeof claims.exp === 'number' ? claims.exp : 0,
  };
}

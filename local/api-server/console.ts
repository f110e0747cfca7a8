import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { consoleContentSecurityPolicy } from '../../console/content-security-policy';
import { readBody, sendJson } from '../http';
import { type LocalAuthorizationServer, OAuthRequestError, readSignInForm, signInPage } from '../token/authorization';
import { LOCAL_CLIENT_ID } from '../token/issuer';

/** The console's runtime settings (what `config.json` holds in the deployed bucket too). */
export interface ConsoleConfig {
  /** The OAuth2 endpoints of the identity provider (the local issuer, or Cognito's managed login). */
  authorizeUrl: string;
  tokenUrl: string;
  logoutUrl: string;
  clientId: string;
}

/** The cookie naming the local issuer's session (Cognito's managed login keeps one on its own domain). */
const SESSION_COOKIE = 'reelflow_local_session';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
};

/** A local handler answers a request it owns and resolves true, or resolves false and leaves it alone. */
export type LocalHandler = (request: IncomingMessage, response: ServerResponse, url: URL) => Promise<boolean>;

/**
 * Serves the web console's built files at `/console/` (its `config.json` names the local OAuth2 endpoints) with the
 * Content-Security-Policy CloudFront sends, and those endpoints: `/oauth2/authorize` (the sign-in form, or at once a
 * redirect with a code while the issuer's session lasts), `/oauth2/token` (the code + PKCE verifier exchange) and
 * `/logout` (ends the session). The paths are Cognito's, so the console's sign-in code is the same in both places.
 */
export function consoleHandler(options: {
  /** The directory the console bundle was built into. */
  dir: string;
  authorization: LocalAuthorizationServer;
  /** The API's base URL, known once it listens. */
  baseUrl: () => string;
  /** The origin of the presigned URLs the functions hand out (the S3 endpoint they were given). */
  mediaOrigin: string;
}): LocalHandler {
  return async (request, response, url) => {
    const method = (request.method ?? 'GET').toUpperCase();
    const path = url.pathname;
    if (path === '/oauth2/authorize' || path === '/oauth2/token' || path === '/logout') {
      try {
        await oauth(method, path, request, response, url, options.authorization);
      } catch (error) {
        if (!(error instanceof OAuthRequestError)) throw error;
        sendJson(
          response,
          400,
          { error: error.code, error_description: error.message },
          { 'cache-control': 'no-store' },
        );
      }
      return true;
    }
    if (path !== '/console' && !path.startsWith('/console/')) return false;
    if (method !== 'GET' && method !== 'HEAD') return false;
    if (path === '/console') {
      response.writeHead(302, { location: '/console/' }).end();
      return true;
    }
    const base = options.baseUrl();
    const csp = consoleContentSecurityPolicy({ identityProvider: base, media: options.mediaOrigin });
    if (path === '/console/config.json') {
      const config: ConsoleConfig = {
        authorizeUrl: `${base}/oauth2/authorize`,
        tokenUrl: `${base}/oauth2/token`,
        logoutUrl: `${base}/logout`,
        clientId: LOCAL_CLIENT_ID,
      };
      sendJson(response, 200, config, { 'cache-control': 'no-store', 'content-security-policy': csp });
      return true;
    }
    const relative = normalize(path.slice('/console/'.length) || 'index.html');
    if (relative.startsWith('..')) return false;
    const body = await readFile(join(options.dir, relative)).catch(() => undefined);
    if (!body) return false;
    response.writeHead(200, {
      'content-type': TYPES[extname(relative)] ?? 'application/octet-stream',
      'content-length': body.length,
      'cache-control': 'no-cache',
      'content-security-policy': csp,
    });
    response.end(method === 'HEAD' ? undefined : body);
    return true;
  };
}

async function oauth(
  method: string,
  path: string,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  authorization: LocalAuthorizationServer,
): Promise<void> {
  const sessionId = sessionCookie(request);
  if (path === '/logout' && method === 'GET') {
    const location = authorization.logout(url.searchParams, sessionId);
    const clear = `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`;
    response.writeHead(302, { location, 'set-cookie': clear, 'cache-control': 'no-store' }).end();
    return;
  }
  if (path === '/oauth2/authorize' && method === 'GET') {
    const checked = authorization.checkRequest(url.searchParams);
    const signedIn = authorization.session(sessionId);
    if (signedIn) {
      // Signed in already: a code at once, no form (what the managed login does while its session lasts).
      const location = authorization.approve(checked, signedIn.userId, signedIn.groups);
      response.writeHead(302, { location, 'cache-control': 'no-store' }).end();
      return;
    }
    const page = signInPage(checked);
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page);
    return;
  }
  if (method !== 'POST' || path === '/logout') {
    throw new OAuthRequestError('invalid_request', `${method} is not allowed on ${path}`);
  }
  const form = new URLSearchParams((await readBody(request, 64 * 1024)).toString('utf8'));
  if (path === '/oauth2/authorize') {
    const { request: checked, userId, groups } = readSignInForm(authorization, form);
    const location = authorization.approve(checked, userId, groups);
    const cookie = `${SESSION_COOKIE}=${authorization.startSession(userId, groups)}; Path=/; HttpOnly; SameSite=Lax`;
    response.writeHead(302, { location, 'set-cookie': cookie }).end();
    return;
  }
  sendJson(response, 200, await authorization.exchange(form), { 'cache-control': 'no-store' });
}

/** The session id the request's cookie names, if any. */
function sessionCookie(request: IncomingMessage): string | undefined {
  for (const pair of (request.headers.cookie ?? '').split(';')) {
    const [name, value] = pair.trim().split('=');
    if (name === SESSION_COOKIE && value) return value;
  }
  return undefined;
}

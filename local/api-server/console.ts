import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { readBody, sendJson } from '../http';
import { type LocalAuthorizationServer, OAuthRequestError, readSignInForm, signInPage } from '../token/authorization';
import { LOCAL_CLIENT_ID } from '../token/issuer';

/** The console's runtime settings (what `config.json` holds in the deployed bucket too). */
export interface ConsoleConfig {
  /** The OAuth2 endpoints of the identity provider (the local issuer, or Cognito's managed login). */
  authorizeUrl: string;
  tokenUrl: string;
  clientId: string;
}

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
 * Serves the web console's built files at `/console/` (its `config.json` names the local OAuth2 endpoints), and
 * those endpoints: `/oauth2/authorize` (the sign-in form, then a redirect with a code) and `/oauth2/token` (the
 * code + PKCE verifier exchange). The paths are Cognito's, so the console's sign-in code is the same in both places.
 */
export function consoleHandler(options: {
  /** The directory the console bundle was built into. */
  dir: string;
  authorization: LocalAuthorizationServer;
  /** The API's base URL, known once it listens. */
  baseUrl: () => string;
}): LocalHandler {
  return async (request, response, url) => {
    const method = (request.method ?? 'GET').toUpperCase();
    const path = url.pathname;
    if (path === '/oauth2/authorize' || path === '/oauth2/token') {
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
    if (path === '/console/config.json') {
      const base = options.baseUrl();
      const config: ConsoleConfig = {
        authorizeUrl: `${base}/oauth2/authorize`,
        tokenUrl: `${base}/oauth2/token`,
        clientId: LOCAL_CLIENT_ID,
      };
      sendJson(response, 200, config, { 'cache-control': 'no-store' });
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
  if (path === '/oauth2/authorize' && method === 'GET') {
    const page = signInPage(authorization.checkRequest(url.searchParams));
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page);
    return;
  }
  if (method !== 'POST') throw new OAuthRequestError('invalid_request', `${method} is not allowed on ${path}`);
  const form = new URLSearchParams((await readBody(request, 64 * 1024)).toString('utf8'));
  if (path === '/oauth2/authorize') {
    const { request: checked, userId, groups } = readSignInForm(authorization, form);
    response.writeHead(302, { location: authorization.approve(checked, userId, groups) }).end();
    return;
  }
  sendJson(response, 200, await authorization.exchange(form), { 'cache-control': 'no-store' });
}

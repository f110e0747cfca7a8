import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { UnauthenticatedError } from '../errors';
import type { Caller } from './types';

/**
 * The caller from the JWT claims the HTTP API authorizer verified: `sub` is the user id, `cognito:groups` the
 * roles (a JSON-ish list like `[finance operators]`, a comma/space separated string, or an array).
 *
 * Only access tokens are accepted (`token_use: access`). The authorizer checks signature, issuer, expiry and that
 * `aud` or `client_id` is the app client, which an ID token of the same client also passes (its `aud` is the
 * client id): the API is for access tokens, so an ID token is rejected here.
 */
export function callerFrom(event: unknown): Caller {
  const claims = (
    event as { requestContext?: { authorizer?: { jwt?: { claims?: Record<string, unknown> } } } } | undefined
  )?.requestContext?.authorizer?.jwt?.claims;
  const sub = claims?.sub;
  if (typeof sub !== 'string' || sub.length === 0) throw new UnauthenticatedError();
  if (claims?.token_use !== 'access') throw new UnauthenticatedError('Only access tokens are accepted');
  return { userId: sub, groups: parseGroups(claims?.['cognito:groups']) };
}

function parseGroups(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String).filter((group) => group.length > 0);
  if (typeof value !== 'string') return [];
  // API Gateway flattens array claims to "[a b]"; tokens issued locally may carry "a,b".
  return value
    .replace(/^\[|\]$/g, '')
    .split(/[\s,]+/)
    .map((group) => group.trim())
    .filter((group) => group.length > 0);
}

/**
 * Sets `context.caller` from the JWT claims, or answers 401 `unauthenticated`. The authorizer already rejects bad
 * tokens; this keeps handlers from running without an identity. Written here: no middy middleware reads
 * API Gateway's JWT claims.
 */
export function httpCaller(): MiddlewareObj<unknown, unknown, Error, Context & { caller?: Caller }> {
  return {
    before: async (request) => {
      request.context.caller = callerFrom(request.event);
    },
  };
}

import { parseRequest } from '../../shared/http/parse-request';
import { requireRole } from '../../shared/http/roles';
import type { Caller } from '../../shared/http/types';
import { adminVideosQuerySchema } from '../../shared/operators/schemas';
import type { ListAdminVideosInput } from './list-admin-videos';

/** 403 without the operators role (before anything else is looked at), then status, user_id, limit and after. */
export function parseListAdminVideosRequest(
  event: { queryStringParameters?: Record<string, string | undefined> },
  caller: Caller,
): ListAdminVideosInput {
  requireRole(caller, 'operators');
  return { query: parseRequest(adminVideosQuerySchema(), event.queryStringParameters ?? {}) };
}

import { parseRequest } from '../../shared/http/parse-request';
import { requestIdOf } from '../../shared/http/request-id';
import { requireRole } from '../../shared/http/roles';
import type { Caller } from '../../shared/http/types';
import { limitsPathSchema, limitsUpdateSchema } from '../../shared/money/schemas';
import type { PutUserLimitsInput } from './put-user-limits';

/** 403 without the finance role, then the user id from the path and the body (any non-empty subset). */
export function parsePutUserLimitsRequest(
  event: { pathParameters?: Record<string, string | undefined>; body?: unknown; requestContext?: unknown },
  caller: Caller,
): PutUserLimitsInput {
  requireRole(caller, 'finance');
  return {
    caller,
    userId: parseRequest(limitsPathSchema(), event.pathParameters ?? {}).userId,
    body: parseRequest(limitsUpdateSchema(), event.body),
    requestId: requestIdOf(event),
  };
}

import { parseRequest } from '../../shared/http/parse-request';
import { requestIdOf } from '../../shared/http/request-id';
import { requireRole } from '../../shared/http/roles';
import type { Caller } from '../../shared/http/types';
import { limitsPathSchema } from '../../shared/money/schemas';
import type { EraseUserInput } from './erase-user';

/** 403 without the finance role, then the user id from the path. */
export function parseEraseUserRequest(
  event: { pathParameters?: Record<string, string | undefined>; requestContext?: unknown },
  caller: Caller,
): EraseUserInput {
  requireRole(caller, 'finance');
  return {
    caller,
    userId: parseRequest(limitsPathSchema(), event.pathParameters ?? {}).userId,
    requestId: requestIdOf(event),
  };
}

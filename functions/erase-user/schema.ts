import { parseRequest } from '../../shared/http/parse-request';
import { requestIdOf } from '../../shared/http/request-id';
import { requireRole } from '../../shared/http/roles';
import type { Caller } from '../../shared/http/types';
import { limitsPathSchema } from '../../shared/money/schemas';

/** What DELETE /v1/admin/users/{userId} asks for. */
export interface EraseUserInput {
  caller: Caller;
  userId: string;
  /** The request's id, for the audit record. */
  requestId: string | null;
}

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

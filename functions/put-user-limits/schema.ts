import { parseRequest } from '../../shared/http/parse-request';
import { requestIdOf } from '../../shared/http/request-id';
import { requireRole } from '../../shared/http/roles';
import type { Caller } from '../../shared/http/types';
import { type LimitsUpdateBody, limitsPathSchema, limitsUpdateSchema } from '../../shared/money/schemas';

/** What PUT /v1/admin/users/{userId}/limits asks for. */
export interface PutUserLimitsInput {
  caller: Caller;
  userId: string;
  body: LimitsUpdateBody;
  /** The request's id, for the audit record. */
  requestId: string | null;
}

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

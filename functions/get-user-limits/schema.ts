import { parseRequest } from '../../shared/http/parse-request';
import { requireRole } from '../../shared/http/roles';
import type { Caller } from '../../shared/http/types';
import { limitsPathSchema } from '../../shared/money/schemas';
import type { GetUserLimitsInput } from './get-user-limits';

/** 403 without the finance role (before anything else is looked at), then the user id from the path. */
export function parseGetUserLimitsRequest(
  event: { pathParameters?: Record<string, string | undefined> },
  caller: Caller,
): GetUserLimitsInput {
  requireRole(caller, 'finance');
  return { userId: parseRequest(limitsPathSchema(), event.pathParameters ?? {}).userId };
}

import { parseRequest } from '../../shared/http/parse-request';
import { requireAnyRole } from '../../shared/http/roles';
import type { Caller } from '../../shared/http/types';
import { auditQuerySchema } from '../../shared/money/schemas';
import type { GetAuditInput } from './get-audit';

/**
 * 403 without the finance or the operators role (before anything else is looked at), then user_id, month, limit and
 * after. Finance reads every record; an operator (without finance) only the records of their own actions.
 */
export function parseGetAuditRequest(
  event: { queryStringParameters?: Record<string, string | undefined> },
  caller: Caller,
): GetAuditInput {
  const role = requireAnyRole(caller, ['finance', 'operators']);
  const query = parseRequest(auditQuerySchema(), event.queryStringParameters ?? {});
  return role === 'finance' ? { query } : { query, actorUserId: caller.userId };
}

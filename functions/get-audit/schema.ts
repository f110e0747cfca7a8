import { requireRole } from '../../shared/http/roles';
import type { Caller } from '../../shared/http/types';
import { type AuditQuery, auditQuerySchema } from '../../shared/money/schemas';
import { parseRequest } from '../../shared/schemas';

/** What GET /v1/admin/audit asks for. */
export interface GetAuditInput {
  query: AuditQuery;
}

/** 403 without the finance role (before anything else is looked at), then user_id, month, limit and after. */
export function parseGetAuditRequest(
  event: { queryStringParameters?: Record<string, string | undefined> },
  caller: Caller,
): GetAuditInput {
  requireRole(caller, 'finance');
  return { query: parseRequest(auditQuerySchema, event.queryStringParameters ?? {}) };
}

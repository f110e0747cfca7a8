import { parseRequest } from '../../shared/http/parse-request';
import { requireRole } from '../../shared/http/roles';
import type { Caller } from '../../shared/http/types';
import { type CostsQuery, costsQuerySchema } from '../../shared/money/schemas';

/** What GET /v1/admin/costs asks for. */
export interface GetCostsInput {
  query: CostsQuery;
}

/** 403 without the finance role (before anything else is looked at), then month, user_id and format. */
export function parseGetCostsRequest(
  event: { queryStringParameters?: Record<string, string | undefined> },
  caller: Caller,
): GetCostsInput {
  requireRole(caller, 'finance');
  return { query: parseRequest(costsQuerySchema(), event.queryStringParameters ?? {}) };
}

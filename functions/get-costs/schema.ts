import { parseRequest } from '../../shared/http/parse-request';
import { requireRole } from '../../shared/http/roles';
import type { Caller } from '../../shared/http/types';
import { costsQuerySchema } from '../../shared/money/schemas';
import type { GetCostsInput } from './get-costs';

/** 403 without the finance role (before anything else is looked at), then month, user_id and format. */
export function parseGetCostsRequest(
  event: { queryStringParameters?: Record<string, string | undefined> },
  caller: Caller,
): GetCostsInput {
  requireRole(caller, 'finance');
  return { query: parseRequest(costsQuerySchema(), event.queryStringParameters ?? {}) };
}

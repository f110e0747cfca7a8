import { parseRequest } from '../../shared/http/parse-request';
import type { Caller } from '../../shared/http/types';
import { type UsageQuery, usageQuerySchema } from '../../shared/money/schemas';

/** What GET /v1/usage asks for. */
export interface GetUsageInput {
  caller: Caller;
  query: UsageQuery;
}

/** Reads `month` from the query string. */
export function parseGetUsageRequest(
  event: { queryStringParameters?: Record<string, string | undefined> },
  caller: Caller,
): GetUsageInput {
  return { caller, query: parseRequest(usageQuerySchema(), event.queryStringParameters ?? {}) };
}

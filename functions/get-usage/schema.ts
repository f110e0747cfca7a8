import { parseRequest } from '../../shared/http/parse-request';
import type { Caller } from '../../shared/http/types';
import { usageQuerySchema } from '../../shared/money/schemas';
import type { GetUsageInput } from './get-usage';

/** Reads `month` from the query string. */
export function parseGetUsageRequest(
  event: { queryStringParameters?: Record<string, string | undefined> },
  caller: Caller,
): GetUsageInput {
  return { caller, query: parseRequest(usageQuerySchema(), event.queryStringParameters ?? {}) };
}

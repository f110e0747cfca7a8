import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { ddb } from '../../shared/aws/dynamodb';
import { parseEnv } from '../../shared/config';
import { httpApi } from '../../shared/http/api-middlewares';
import { httpErrorEnvelope } from '../../shared/http/error-envelope';
import type { ApiContext, ApiEvent, ApiResult } from '../../shared/http/types';
import { DynamoCostReports } from '../../shared/money/reports';
import { logger, metrics } from '../../shared/observability/powertools';
import { getCostsEnvSchema } from './env';
import { costsResponse, type GetCostsDeps, getCosts } from './get-costs';
import { parseGetCostsRequest } from './schema';

const env = parseEnv(getCostsEnvSchema);

const deps: GetCostsDeps = { reports: new DynamoCostReports(ddb, env.TABLE_NAME), clock: () => new Date() };

/** GET /v1/admin/costs?month=&user_id=&format=json|csv → 200 the report (role finance). */
export const handler = middy<ApiEvent, ApiResult, Error, ApiContext>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(httpApi({ logger }))
  .use(httpErrorEnvelope({ logger }))
  .handler(async (event, context) => costsResponse(await getCosts(parseGetCostsRequest(event, context.caller), deps)));

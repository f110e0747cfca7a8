import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { ddb } from '../../shared/aws/dynamodb';
import { parseEnv } from '../../shared/config';
import { httpApi } from '../../shared/http/api-middlewares';
import { httpErrorEnvelope } from '../../shared/http/error-envelope';
import { json } from '../../shared/http/responses';
import type { ApiContext, ApiEvent, ApiResult } from '../../shared/http/types';
import { DynamoLimitsStore } from '../../shared/money/limits';
import { DynamoCostReports } from '../../shared/money/reports';
import { defaultLimitsFrom } from '../../shared/money/user-limits';
import { logger, metrics } from '../../shared/observability/powertools';
import { getUsageEnvSchema } from './env';
import { type GetUsageDeps, getUsage } from './get-usage';
import { parseGetUsageRequest } from './schema';

const env = parseEnv(getUsageEnvSchema);

const deps: GetUsageDeps = {
  reports: new DynamoCostReports(ddb, env.TABLE_NAME),
  limits: new DynamoLimitsStore(ddb, env.TABLE_NAME, defaultLimitsFrom(env)),
  clock: () => new Date(),
};

/** GET /v1/usage?month= → 200 the caller's usage. */
export const handler = middy<ApiEvent, ApiResult, Error, ApiContext>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(httpApi({ logger }))
  .use(httpErrorEnvelope({ logger }))
  .handler(async (event, context) => json(200, await getUsage(parseGetUsageRequest(event, context.caller), deps)));

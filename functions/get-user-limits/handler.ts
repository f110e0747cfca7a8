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
import { defaultLimitsFrom } from '../../shared/money/user-limits';
import { logger, metrics } from '../../shared/observability/powertools';
import { getUserLimitsEnvSchema } from './env';
import { type GetUserLimitsDeps, getUserLimits } from './get-user-limits';
import { parseGetUserLimitsRequest } from './schema';

const env = parseEnv(getUserLimitsEnvSchema);

const deps: GetUserLimitsDeps = { limits: new DynamoLimitsStore(ddb, env.TABLE_NAME, defaultLimitsFrom(env)) };

/** GET /v1/admin/users/{userId}/limits → 200 the user's limits (role finance). */
export const handler = middy<ApiEvent, ApiResult, Error, ApiContext>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(httpApi({ logger }))
  .use(httpErrorEnvelope({ logger }))
  .handler(async (event, context) =>
    json(200, await getUserLimits(parseGetUserLimitsRequest(event, context.caller), deps)),
  );

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { ddb } from '../../shared/aws/dynamodb';
import { parseEnv } from '../../shared/config';
import { DynamoUserErasures } from '../../shared/erasure/user-erasures';
import { httpApi } from '../../shared/http/api-middlewares';
import { httpErrorEnvelope } from '../../shared/http/error-envelope';
import { json } from '../../shared/http/responses';
import type { ApiContext, ApiEvent, ApiResult } from '../../shared/http/types';
import { logger, metrics } from '../../shared/observability/powertools';
import { DynamoVideoRepository } from '../../shared/video/repository';
import { eraseUserEnvSchema } from './env';
import { type EraseUserDeps, eraseUser } from './erase-user';
import { parseEraseUserRequest } from './schema';

const env = parseEnv(eraseUserEnvSchema);

const deps: EraseUserDeps = {
  erasures: new DynamoUserErasures(ddb, env.TABLE_NAME),
  videos: new DynamoVideoRepository(ddb, env.TABLE_NAME),
  clock: () => new Date(),
  logger,
  metrics,
};

/** DELETE /v1/admin/users/{userId} → 202 the user's erasure and how far it got (role finance). */
export const handler = middy<ApiEvent, ApiResult, Error, ApiContext>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(httpApi({ logger }))
  .use(httpErrorEnvelope({ logger }))
  .handler(async (event, context) => json(202, await eraseUser(parseEraseUserRequest(event, context.caller), deps)));

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { ddb } from '../../shared/aws/dynamodb';
import { parseEnv } from '../../shared/config';
import { httpApi } from '../../shared/http/api-middlewares';
import { httpErrorEnvelope } from '../../shared/http/error-envelope';
import { json } from '../../shared/http/responses';
import type { ApiContext, ApiEvent, ApiResult } from '../../shared/http/types';
import { logger, metrics } from '../../shared/observability/powertools';
import { DynamoVideoRepository } from '../../shared/video/repository';
import { listAdminVideosEnvSchema } from './env';
import { type ListAdminVideosDeps, listAdminVideos } from './list-admin-videos';
import { parseListAdminVideosRequest } from './schema';

const env = parseEnv(listAdminVideosEnvSchema);

const deps: ListAdminVideosDeps = { videos: new DynamoVideoRepository(ddb, env.TABLE_NAME) };

/** GET /v1/admin/videos?status=&user_id=&limit=&after= → 200 a page of videos of any user (role operators). */
export const handler = middy<ApiEvent, ApiResult, Error, ApiContext>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(httpApi({ logger }))
  .use(httpErrorEnvelope({ logger }))
  .handler(async (event, context) =>
    json(200, await listAdminVideos(parseListAdminVideosRequest(event, context.caller), deps)),
  );

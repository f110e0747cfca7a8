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
import { listVideosEnvSchema } from './env';
import { type ListVideosDeps, listVideos } from './list-videos';
import { parseListVideosRequest } from './schema';

const env = parseEnv(listVideosEnvSchema);

const deps: ListVideosDeps = { videos: new DynamoVideoRepository(ddb, env.TABLE_NAME) };

/** GET /v1/videos → 200 list. */
export const handler = middy<ApiEvent, ApiResult, Error, ApiContext>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(httpApi({ logger }))
  .use(httpErrorEnvelope({ logger }))
  .handler(async (event, context) => json(200, await listVideos(parseListVideosRequest(event, context.caller), deps)));

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
import { providerAdapterFromEnv } from '../../shared/provider/adapters';
import { providerGateFromEnv } from '../../shared/provider/gate/from-env';
import { DynamoProgressReadStore, progressCacheSeconds } from '../../shared/provider/webhooks/progress-read';
import { DynamoVideoRepository } from '../../shared/video/repository';
import { getVideoEnvSchema } from './env';
import { type GetVideoDeps, getVideo } from './get-video';
import { parseGetVideoRequest } from './schema';

const env = parseEnv(getVideoEnvSchema);

const deps: GetVideoDeps = {
  videos: new DynamoVideoRepository(ddb, env.TABLE_NAME),
  progress: {
    store: new DynamoProgressReadStore(ddb, env.TABLE_NAME),
    // Not the gated provider: the read takes its one token itself and answers with the stored progress without one.
    provider: providerAdapterFromEnv(env, { metrics }),
    gate: providerGateFromEnv(env, ddb),
    clock: () => new Date(),
    logger,
    cacheSeconds: progressCacheSeconds({
      maxConcurrentJobs: env.PROVIDER_MAX_CONCURRENT_JOBS,
      requestsPerMinute: env.PROVIDER_REQUESTS_PER_MINUTE,
    }),
  },
};

/** GET /v1/videos/{id} → 200 video. */
export const handler = middy<ApiEvent, ApiResult, Error, ApiContext>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(httpApi({ logger }))
  .use(httpErrorEnvelope({ logger }))
  .handler(async (event, context) => json(200, await getVideo(parseGetVideoRequest(event, context.caller), deps)));

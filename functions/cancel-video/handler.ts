import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { ddb } from '../../shared/aws/dynamodb';
import { sfn } from '../../shared/aws/sfn';
import { parseEnv } from '../../shared/config';
import { httpApi } from '../../shared/http/api-middlewares';
import { httpErrorEnvelope } from '../../shared/http/error-envelope';
import { json } from '../../shared/http/responses';
import type { ApiContext, ApiEvent, ApiResult } from '../../shared/http/types';
import { DynamoReleaser } from '../../shared/money/release';
import { logger, metrics } from '../../shared/observability/powertools';
import { StepFunctionsPipelineStopper } from '../../shared/pipeline/pipeline-stopper';
import { providerGateFromEnv } from '../../shared/provider/gate/from-env';
import { DynamoVideoRepository } from '../../shared/video/repository';
import { type CancelVideoDeps, cancelVideo } from './cancel-video';
import { cancelVideoEnvSchema } from './env';
import { parseCancelVideoRequest } from './schema';

const env = parseEnv(cancelVideoEnvSchema);

const deps: CancelVideoDeps = {
  videos: new DynamoVideoRepository(ddb, env.TABLE_NAME),
  money: new DynamoReleaser(ddb, env.TABLE_NAME),
  pipeline: new StepFunctionsPipelineStopper(sfn, env.STATE_MACHINE_ARN),
  admission: providerGateFromEnv(env, ddb),
  clock: () => new Date(),
  logger,
  metrics,
};

/** POST /v1/videos/{id}/cancel → 200 the cancelled video. */
export const handler = middy<ApiEvent, ApiResult, Error, ApiContext>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(httpApi({ logger, jsonBody: 'optional' }))
  .use(httpErrorEnvelope({ logger }))
  .handler(async (event, context) =>
    json(200, await cancelVideo(parseCancelVideoRequest(event, context.caller), deps)),
  );

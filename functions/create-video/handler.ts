import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { ddb, dynamodb, sfn } from '../../shared/clients';
import { httpApi } from '../../shared/http/api-middlewares';
import { httpErrorEnvelope } from '../../shared/http/error-envelope';
import { requestIdempotency } from '../../shared/http/idempotency';
import { json } from '../../shared/http/responses';
import type { ApiContext, ApiEvent, ApiResult } from '../../shared/http/types';
import { newVideoId } from '../../shared/ids';
import { dynamoBilling } from '../../shared/money/billing';
import { DynamoIdempotencyGuards } from '../../shared/money/idempotency-guard';
import { defaultLimitsFrom } from '../../shared/money/limits';
import { StepFunctionsPipelineStarter } from '../../shared/pipeline/pipeline-starter';
import { logger, metrics, tracer } from '../../shared/powertools';
import { loadPriceTable } from '../../shared/pricing';
import { DynamoVideoRepository } from '../../shared/repositories/video-repository';
import { type CreateVideoDeps, createVideo } from './create-video';
import { env } from './env';
import { createVideoRequestParser } from './schema';

const deps: CreateVideoDeps = {
  money: dynamoBilling(ddb, env.TABLE_NAME, defaultLimitsFrom(env)),
  guards: new DynamoIdempotencyGuards(ddb, env.TABLE_NAME),
  videos: new DynamoVideoRepository(ddb, env.TABLE_NAME),
  pipeline: new StepFunctionsPipelineStarter(sfn, env.STATE_MACHINE_ARN),
  prices: loadPriceTable(env.PRICE_TABLE),
  idempotency: requestIdempotency({
    persistenceStore: new DynamoDBPersistenceLayer({ tableName: env.IDEMPOTENCY_TABLE_NAME, awsSdkV3Client: dynamodb }),
  }),
  clock: () => new Date(),
  newId: newVideoId,
  logger,
  metrics,
};
const parse = createVideoRequestParser({ allowedModels: env.ALLOWED_MODELS });

/** POST /v1/videos → 202 video with Location; with an Idempotency-Key, a repeat returns the first response. */
export const handler = middy<ApiEvent, ApiResult, Error, ApiContext>()
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(httpApi({ logger, jsonBody: true }))
  .use(httpErrorEnvelope({ logger }))
  .handler(async (event, context) => {
    const video = await createVideo(parse(event, context.caller), deps, context);
    return json(202, video, { location: `/v1/videos/${video.id}` });
  });

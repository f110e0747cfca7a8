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
import { env } from './env';
import { type RemixVideoDeps, remixVideo } from './remix-video';
import { parseRemixVideoRequest } from './schema';

const deps: RemixVideoDeps = {
  videos: new DynamoVideoRepository(ddb, env.TABLE_NAME),
  money: dynamoBilling(ddb, env.TABLE_NAME, defaultLimitsFrom(env)),
  guards: new DynamoIdempotencyGuards(ddb, env.TABLE_NAME),
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

/** POST /v1/videos/{id}/remix → 202 the new video with Location. */
export const handler = middy<ApiEvent, ApiResult, Error, ApiContext>()
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(httpApi({ logger, jsonBody: true }))
  .use(httpErrorEnvelope({ logger }))
  .handler(async (event, context) => {
    const video = await remixVideo(parseRemixVideoRequest(event, context.caller), deps, context);
    return json(202, video, { location: `/v1/videos/${video.id}` });
  });

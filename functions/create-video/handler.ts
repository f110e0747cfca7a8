import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { ddb, dynamodb, sfn } from '../../shared/clients';
import { httpApi } from '../../shared/http/api-middlewares';
import { httpErrorEnvelope } from '../../shared/http/error-envelope';
import { idempotencyKeyOf, idempotentRequest, requestIdempotency } from '../../shared/http/idempotency';
import { json } from '../../shared/http/responses';
import type { ApiContext, ApiEvent, ApiResult } from '../../shared/http/types';
import { newVideoId } from '../../shared/ids';
import { dynamoBilling } from '../../shared/money/billing';
import { defaultLimitsFrom } from '../../shared/money/limits';
import { StepFunctionsPipelineStarter } from '../../shared/pipeline/pipeline-starter';
import { logger, metrics, tracer } from '../../shared/powertools';
import { loadPriceTable } from '../../shared/pricing';
import { type CreateVideoDeps, createVideo } from './create-video';
import { env } from './env';
import { createVideoRequestParser } from './schema';

const deps: CreateVideoDeps = {
  money: dynamoBilling(ddb, env.TABLE_NAME, defaultLimitsFrom(env)),
  pipeline: new StepFunctionsPipelineStarter(sfn, env.STATE_MACHINE_ARN),
  prices: loadPriceTable(env.PRICE_TABLE),
  clock: () => new Date(),
  newId: newVideoId,
  logger,
  metrics,
};
const parse = createVideoRequestParser({ allowedModels: env.ALLOWED_MODELS });
const idempotency = requestIdempotency({
  persistenceStore: new DynamoDBPersistenceLayer({ tableName: env.IDEMPOTENCY_TABLE_NAME, awsSdkV3Client: dynamodb }),
});

/** POST /v1/videos → 202 video with Location; with an Idempotency-Key, a repeat returns the first response. */
export const handler = middy<ApiEvent, ApiResult, Error, ApiContext>()
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(httpApi({ logger, jsonBody: true }))
  .use(httpErrorEnvelope({ logger }))
  .handler(async (event, context) => {
    const input = parse(event, context.caller);
    const request = idempotentRequest('create-video', input.caller.userId, idempotencyKeyOf(event), input.body);
    const video = await idempotency(request, context, () => createVideo(input, deps));
    return json(202, video, { location: `/v1/videos/${video.id}` });
  });

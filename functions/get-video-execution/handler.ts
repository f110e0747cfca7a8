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
import { logger, metrics } from '../../shared/observability/powertools';
import { StepFunctionsPipelineExecutions } from '../../shared/pipeline/pipeline-executions';
import { DynamoVideoRepository } from '../../shared/video/repository';
import { getVideoExecutionEnvSchema } from './env';
import { type GetVideoExecutionDeps, getVideoExecution } from './get-video-execution';
import { parseGetVideoExecutionRequest } from './schema';

const env = parseEnv(getVideoExecutionEnvSchema);

const deps: GetVideoExecutionDeps = {
  videos: new DynamoVideoRepository(ddb, env.TABLE_NAME),
  executions: new StepFunctionsPipelineExecutions(sfn, env.STATE_MACHINE_ARN),
};

/** GET /v1/admin/videos/{id}/execution → 200 the execution's timeline (role operators). */
export const handler = middy<ApiEvent, ApiResult, Error, ApiContext>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(httpApi({ logger }))
  .use(httpErrorEnvelope({ logger }))
  .handler(async (event, context) =>
    json(200, await getVideoExecution(parseGetVideoExecutionRequest(event, context.caller), deps)),
  );

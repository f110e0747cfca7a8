import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { DynamoAuditLog } from '../../shared/audit/audit';
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
import { redriveVideoEnvSchema } from './env';
import { type RedriveVideoDeps, redriveVideo } from './redrive-video';
import { parseRedriveVideoRequest } from './schema';

const env = parseEnv(redriveVideoEnvSchema);

const deps: RedriveVideoDeps = {
  videos: new DynamoVideoRepository(ddb, env.TABLE_NAME),
  executions: new StepFunctionsPipelineExecutions(sfn, env.STATE_MACHINE_ARN),
  audit: new DynamoAuditLog(ddb, env.TABLE_NAME),
  clock: () => new Date(),
  logger,
};

/** POST /v1/admin/videos/{id}/redrive → 202 the redriven execution (role operators). */
export const handler = middy<ApiEvent, ApiResult, Error, ApiContext>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(httpApi({ logger }))
  .use(httpErrorEnvelope({ logger }))
  .handler(async (event, context) =>
    json(202, await redriveVideo(parseRedriveVideoRequest(event, context.caller), deps)),
  );

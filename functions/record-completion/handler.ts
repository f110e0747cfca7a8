import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { ddb, dynamodb } from '../../shared/aws/dynamodb';
import { s3 } from '../../shared/aws/s3';
import { parseEnv } from '../../shared/config';
import { DynamoCharger } from '../../shared/money/charge';
import { logger, metrics } from '../../shared/observability/powertools';
import { traceAwsClients, tracer } from '../../shared/observability/tracing';
import { pipelineTask } from '../../shared/pipeline/task-middleware';
import type { PipelineState } from '../../shared/pipeline/types';
import { S3ContentTagger } from '../../shared/storage/content-tags';
import { DynamoVideoRepository } from '../../shared/video/repository';
import { recordCompletionEnvSchema } from './env';
import { completionInput, type RecordCompletionDeps, recordCompletion } from './record-completion';

traceAwsClients(dynamodb, s3);

const env = parseEnv(recordCompletionEnvSchema);

const deps: RecordCompletionDeps = {
  money: new DynamoCharger(ddb, env.TABLE_NAME, { awsPrices: env.AWS_UNIT_PRICES }),
  tags: new S3ContentTagger(s3),
  videos: new DynamoVideoRepository(ddb, env.TABLE_NAME),
  clock: () => new Date(),
  logger,
  metrics,
};

/** Task RecordCompletion: the state with `$.stored` → the state unchanged. */
export const handler = middy<PipelineState, PipelineState>()
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(pipelineTask({ logger, tracer }))
  .handler((event) => recordCompletion(completionInput(event), deps));

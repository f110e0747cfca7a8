import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { ddb, dynamodb } from '../../shared/aws/dynamodb';
import { parseEnv } from '../../shared/config';
import { DynamoReleaser } from '../../shared/money/release';
import { logger, metrics } from '../../shared/observability/powertools';
import { traceAwsClients, tracer } from '../../shared/observability/tracing';
import { pipelineTask } from '../../shared/pipeline/task-middleware';
import type { PipelineState } from '../../shared/pipeline/types';
import { providerGateFromEnv } from '../../shared/provider/gate/from-env';
import { recordFailureEnvSchema } from './env';
import { type RecordFailureDeps, recordFailure } from './record-failure';

traceAwsClients(dynamodb);

const env = parseEnv(recordFailureEnvSchema);

const deps: RecordFailureDeps = {
  money: new DynamoReleaser(ddb, env.TABLE_NAME, { awsPrices: env.AWS_UNIT_PRICES }),
  gate: providerGateFromEnv(env, ddb),
  clock: () => new Date(),
  logger,
  metrics,
};

/** Task RecordFailure: the state with `$.failure` → the state unchanged. */
export const handler = middy<PipelineState, PipelineState>()
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(pipelineTask({ logger, tracer }))
  .handler((event) => recordFailure(event, deps));

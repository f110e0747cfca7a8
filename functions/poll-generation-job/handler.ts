import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { ddb, dynamodb } from '../../shared/aws/dynamodb';
import { parseEnv } from '../../shared/config';
import { logger, metrics } from '../../shared/observability/powertools';
import { traceAwsClients, traceOutgoingRequests, tracer } from '../../shared/observability/tracing';
import { pipelineTask } from '../../shared/pipeline/task-middleware';
import type { JobState, PipelineState } from '../../shared/pipeline/types';
import { DynamoWorkMeter, meterTaskWork } from '../../shared/pipeline/work-meter';
import { providerAdapterFromEnv } from '../../shared/provider/adapters';
import { providerGateFromEnv } from '../../shared/provider/gate/from-env';
import { GatedVideoProvider } from '../../shared/provider/gate/gated-provider';
import { DynamoVideoRepository } from '../../shared/video/repository';
import { pollGenerationJobEnvSchema } from './env';
import { type PollGenerationJobDeps, pollGenerationJob, pollInput } from './poll-generation-job';

traceAwsClients(dynamodb);
// Its HTTP requests go to the provider (and AWS): traced.
traceOutgoingRequests();

const env = parseEnv(pollGenerationJobEnvSchema);
const gate = providerGateFromEnv(env, ddb);

const deps: PollGenerationJobDeps = {
  videos: new DynamoVideoRepository(ddb, env.TABLE_NAME),
  provider: new GatedVideoProvider(providerAdapterFromEnv(env, { metrics }), gate),
  gate,
  clock: () => new Date(),
  logger,
  metrics,
  strategy: env.POLL_STRATEGY,
};

/** Task PollGenerationJob: the state with `$.job` → the next JobState (ResultPath `$.job`). */
export const handler = middy<PipelineState, JobState>()
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(pipelineTask({ logger, tracer }))
  .use(meterTaskWork({ meter: new DynamoWorkMeter(ddb, env.TABLE_NAME), poll: true, logger }))
  .handler((event) => pollGenerationJob(pollInput(event), deps));

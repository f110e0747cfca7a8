import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { ddb } from '../../shared/aws/dynamodb';
import { s3 } from '../../shared/aws/s3';
import { parseEnv } from '../../shared/config';
import { logger, metrics } from '../../shared/observability/powertools';
import { pipelineTask } from '../../shared/pipeline/task-middleware';
import type { PipelineState, StoredContent } from '../../shared/pipeline/types';
import { DynamoWorkMeter, meterTaskWork } from '../../shared/pipeline/work-meter';
import { providerAdapterFromEnv } from '../../shared/provider/adapters';
import { providerGateFromEnv } from '../../shared/provider/gate/from-env';
import { DynamoVideoRepository } from '../../shared/video/repository';
import { storeVideoEnvSchema } from './env';
import { type StoreVideoDeps, storeInput, storeVideo } from './store-video';

const env = parseEnv(storeVideoEnvSchema);

const deps: StoreVideoDeps = {
  videos: new DynamoVideoRepository(ddb, env.TABLE_NAME),
  provider: providerAdapterFromEnv(env, { metrics }),
  s3,
  bucket: env.BUCKET_NAME,
  clock: () => new Date(),
  logger,
  metrics,
  // Each download takes its token just before it is sent.
  gate: providerGateFromEnv(env, ddb),
};

/**
 * Task StoreVideoInS3: the state with `$.job` → StoredContent (ResultPath `$.stored`). Not traced by the Powertools
 * Tracer (shared/observability/tracing.ts says why); its Lambda segments are in the execution's trace.
 */
export const handler = middy<PipelineState, StoredContent>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(pipelineTask({ logger }))
  .use(meterTaskWork({ meter: new DynamoWorkMeter(ddb, env.TABLE_NAME), logger }))
  .handler((event) => storeVideo(storeInput(event), deps));

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { ddb, dynamodb } from '../../shared/aws/dynamodb';
import { s3Addressing } from '../../shared/aws/s3-addressing';
import { parseEnv } from '../../shared/config';
import { DynamoReconcileQueue } from '../../shared/money/reconciliation';
import { DynamoReleaser } from '../../shared/money/release';
import { logger, metrics } from '../../shared/observability/powertools';
import { traceAwsClients, traceOutgoingRequests, tracer } from '../../shared/observability/tracing';
import { pipelineTask } from '../../shared/pipeline/task-middleware';
import type { JobState, PipelineState, RateLimitedCreate, WaitingForProvider } from '../../shared/pipeline/types';
import { DynamoWorkMeter, meterTaskWork } from '../../shared/pipeline/work-meter';
import { providerAdapterFromEnv } from '../../shared/provider/adapters';
import { providerGateFromEnv } from '../../shared/provider/gate/from-env';
import { GatedVideoProvider } from '../../shared/provider/gate/gated-provider';
import { webhookSecretResolver } from '../../shared/provider/webhooks/signature';
import { webhookRouter } from '../../shared/provider/webhooks/webhook-wait';
import { S3ContentUrlSigner } from '../../shared/storage/content-signer';
import { PresignedS3Objects } from '../../shared/storage/presigned-objects';
import { DynamoVideoRepository } from '../../shared/video/repository';
import { type CreateGenerationJobDeps, createGenerationJob } from './create-generation-job';
import { createGenerationJobEnvSchema } from './env';

traceAwsClients(dynamodb);
// Its HTTP requests go to the provider (and AWS): traced.
traceOutgoingRequests();

const env = parseEnv(createGenerationJobEnvSchema);
const gate = providerGateFromEnv(env, ddb);
const signer = new S3ContentUrlSigner(s3Addressing());

const deps: CreateGenerationJobDeps = {
  videos: new DynamoVideoRepository(ddb, env.TABLE_NAME),
  // createGenerationJob takes each visit's tokens itself; only further list pages take one here.
  provider: new GatedVideoProvider(providerAdapterFromEnv(env, { metrics }), gate, {
    prepaid: ['create', 'remix', 'edit', 'extend', 'list'],
  }),
  gate,
  reconcile: new DynamoReconcileQueue(ddb, env.TABLE_NAME),
  heldCancels: new DynamoReleaser(ddb, env.TABLE_NAME),
  // The reference image only: presigned GET, so the task does not bundle the S3 client (the Tracer still records
  // the request, without its query string); or its presigned URL, for a provider that fetches it.
  objects: new PresignedS3Objects(signer),
  referenceUrls: signer,
  clock: () => new Date(),
  logger,
  metrics,
  adoptionSkewSeconds: env.PROVIDER_ADOPTION_SKEW_SECONDS,
  webhooks: webhookRouter({
    setting: env.PROVIDER_WEBHOOKS,
    secret: webhookSecretResolver({
      secretArn: env.PROVIDER_SECRET_ARN,
      maxAgeSeconds: env.PROVIDER_SECRET_MAX_AGE_SECONDS,
    }),
    slotLeaseSeconds: env.PROVIDER_SLOT_LEASE_SECONDS,
    ...(env.PROVIDER_WEBHOOK_WAIT_SECONDS === undefined
      ? {}
      : { waitSecondsOverride: env.PROVIDER_WEBHOOK_WAIT_SECONDS }),
  }),
};

/** Task CreateGenerationJob: `{videoId, userId}` (and `job` after a rate limit) → JobState, RateLimitedCreate or WaitingForProvider (ResultPath `$.job`). */
export const handler = middy<PipelineState, JobState | RateLimitedCreate | WaitingForProvider>()
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(pipelineTask({ logger, tracer }))
  .use(meterTaskWork({ meter: new DynamoWorkMeter(ddb, env.TABLE_NAME), logger }))
  .handler((event) => createGenerationJob(event, deps));

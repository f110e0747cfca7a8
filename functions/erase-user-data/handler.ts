import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { ddb } from '../../shared/aws/dynamodb';
import { s3 } from '../../shared/aws/s3';
import { sfn } from '../../shared/aws/sfn';
import { parseEnv } from '../../shared/config';
import { DynamoErasureQueue } from '../../shared/erasure/erasure-queue';
import { DynamoUserErasures } from '../../shared/erasure/user-erasures';
import { DynamoIdempotencyRecords } from '../../shared/http/idempotency-records';
import { DynamoReconcileQueue } from '../../shared/money/reconciliation';
import { DynamoReleaser } from '../../shared/money/release';
import { logger, metrics } from '../../shared/observability/powertools';
import { StepFunctionsPipelineStopper } from '../../shared/pipeline/pipeline-stopper';
import { providerGateFromEnv } from '../../shared/provider/gate/from-env';
import { S3ContentRemover } from '../../shared/storage/content-remover';
import { DynamoVideoRepository } from '../../shared/video/repository';
import { DynamoWebhookDeliveryLog } from '../../shared/webhooks/deliveries';
import { DynamoWebhookEndpoints } from '../../shared/webhooks/endpoints';
import { DynamoWebhookEventBodies } from '../../shared/webhooks/event-bodies';
import { eraseUserDataEnvSchema } from './env';
import { type EraseUserDataDeps, type ErasureSummary, eraseUserData } from './erase-user-data';

const env = parseEnv(eraseUserDataEnvSchema);

const deps: EraseUserDataDeps = {
  queue: new DynamoErasureQueue(ddb, env.TABLE_NAME),
  run: {
    videos: new DynamoVideoRepository(ddb, env.TABLE_NAME),
    storage: new S3ContentRemover(s3),
    idempotencyRecords: new DynamoIdempotencyRecords(ddb, env.IDEMPOTENCY_TABLE_NAME),
    // Where a deleted video's provider copy is queued: the reconciler's `provider_delete` item calls the provider.
    queue: new DynamoReconcileQueue(ddb, env.TABLE_NAME),
    erasures: new DynamoUserErasures(ddb, env.TABLE_NAME),
    webhooks: {
      endpoints: new DynamoWebhookEndpoints(ddb, env.TABLE_NAME),
      deliveries: new DynamoWebhookDeliveryLog(ddb, env.TABLE_NAME),
      eventBodies: new DynamoWebhookEventBodies(ddb, env.TABLE_NAME),
    },
    canceller: new DynamoReleaser(ddb, env.TABLE_NAME),
    pipeline: new StepFunctionsPipelineStopper(sfn, env.STATE_MACHINE_ARN),
    admission: providerGateFromEnv(env, ddb),
    bucket: env.BUCKET_NAME,
  },
  clock: () => new Date(),
  logger,
  metrics,
  options: { retrySeconds: env.ERASURE_RETRY_HOURS * 3600, maxItems: env.ERASURE_MAX_ITEMS },
};

/**
 * Room left at the end of the invocation to finish a page of videos (cancels and deletes), sweep the user's prefixes
 * and record the run's progress: the margin the erasure had when the reconciler ran it (a provider request, 30 s,
 * and 5 s).
 */
const LAST_STEP_MS = 35_000;

/**
 * Scheduled (EventBridge rule): carries out the due user erasures → what the run did. Not traced by the Powertools
 * Tracer (why: docs/ARCHITECTURE.md, "What a function bundles"); each run is still a trace of Lambda's own segments.
 */
export const handler = middy<ScheduledEvent, ErasureSummary, Error, Context>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler((_event, context) =>
    eraseUserData({ stopStartingAt: Date.now() + context.getRemainingTimeInMillis() - LAST_STEP_MS }, deps),
  );

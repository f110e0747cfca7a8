import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { ddb } from '../../shared/aws/dynamodb';
import { s3 } from '../../shared/aws/s3';
import { sfn } from '../../shared/aws/sfn';
import { parseEnv } from '../../shared/config';
import { DynamoUserErasures } from '../../shared/erasure/user-erasures';
import { DynamoIdempotencyRecords } from '../../shared/http/idempotency-records';
import { DynamoBilling } from '../../shared/money/billing';
import { DynamoReconcileQueue } from '../../shared/money/reconciliation';
import { DynamoReleaser } from '../../shared/money/release';
import { logger, metrics } from '../../shared/observability/powertools';
import { StepFunctionsPipelineStopper } from '../../shared/pipeline/pipeline-stopper';
import { providerGateFromEnv } from '../../shared/provider/gate/from-env';
import { GatedVideoProvider } from '../../shared/provider/gate/gated-provider';
import { OpenAIVideoProvider, providerConfigFromEnv } from '../../shared/provider/provider-client';
import { S3ContentRemover } from '../../shared/storage/content-remover';
import { DynamoVideoRepository } from '../../shared/video/repository';
import { DynamoWebhookDeliveryLog } from '../../shared/webhooks/deliveries';
import { DynamoWebhookEndpoints } from '../../shared/webhooks/endpoints';
import { DynamoWebhookEventBodies } from '../../shared/webhooks/event-bodies';
import { reconcileProviderCostsEnvSchema } from './env';
import {
  type ReconcileProviderCostsDeps,
  type ReconcileSummary,
  reconcileProviderCosts,
} from './reconcile-provider-costs';

const env = parseEnv(reconcileProviderCostsEnvSchema);

const queue = new DynamoReconcileQueue(ddb, env.TABLE_NAME);
const videos = new DynamoVideoRepository(ddb, env.TABLE_NAME);

const gate = providerGateFromEnv(env, ddb);

const deps: ReconcileProviderCostsDeps = {
  queue,
  // Its provider calls count against the same limits as the pipeline's: no token, and the work item waits for the
  // next run (a cancel's or a delete's stop request included).
  provider: new GatedVideoProvider(new OpenAIVideoProvider({ ...providerConfigFromEnv(env), metrics }), gate),
  slots: gate,
  costs: new DynamoBilling(ddb, env.TABLE_NAME),
  videos,
  erasure: {
    videos,
    storage: new S3ContentRemover(s3),
    idempotencyRecords: new DynamoIdempotencyRecords(ddb, env.IDEMPOTENCY_TABLE_NAME),
    queue,
    erasures: new DynamoUserErasures(ddb, env.TABLE_NAME),
    webhooks: {
      endpoints: new DynamoWebhookEndpoints(ddb, env.TABLE_NAME),
      deliveries: new DynamoWebhookDeliveryLog(ddb, env.TABLE_NAME),
      eventBodies: new DynamoWebhookEventBodies(ddb, env.TABLE_NAME),
    },
    canceller: new DynamoReleaser(ddb, env.TABLE_NAME),
    pipeline: new StepFunctionsPipelineStopper(sfn, env.STATE_MACHINE_ARN),
    admission: gate,
    bucket: env.BUCKET_NAME,
  },
  clock: () => new Date(),
  logger,
  metrics,
  options: {
    lookbackSeconds: env.RECONCILE_LOOKBACK_HOURS * 3600,
    maxItems: env.RECONCILE_MAX_ITEMS,
    slotLeaseSeconds: env.PROVIDER_SLOT_LEASE_SECONDS,
  },
};

/** Room left at the end of the invocation for one more provider request and its writes. */
const LAST_ITEM_MS = env.PROVIDER_TIMEOUT_MS + 5_000;

/**
 * Scheduled (EventBridge rule): looks at due provider jobs reelflow gave up on → what the run did. Not traced by the
 * Powertools Tracer (shared/observability/tracing.ts says why); each run is still a trace of Lambda's own segments.
 */
export const handler = middy<ScheduledEvent, ReconcileSummary, Error, Context>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler((_event, context) =>
    reconcileProviderCosts({ stopStartingAt: Date.now() + context.getRemainingTimeInMillis() - LAST_ITEM_MS }, deps),
  );

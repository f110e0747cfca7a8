import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { ddb } from '../../shared/aws/dynamodb';
import { parseEnv } from '../../shared/config';
import { DynamoBilling } from '../../shared/money/billing';
import { DynamoReconcileQueue } from '../../shared/money/reconciliation';
import { logger, metrics } from '../../shared/observability/powertools';
import { providerAdapterFromEnv } from '../../shared/provider/adapters';
import { providerGateFromEnv } from '../../shared/provider/gate/from-env';
import { GatedVideoProvider } from '../../shared/provider/gate/gated-provider';
import { DynamoVideoRepository } from '../../shared/video/repository';
import { reconcileWorkItemsEnvSchema } from './env';
import { type ReconcileSummary, type ReconcileWorkItemsDeps, reconcileWorkItems } from './reconcile-work-items';

const env = parseEnv(reconcileWorkItemsEnvSchema);

const gate = providerGateFromEnv(env, ddb);

const deps: ReconcileWorkItemsDeps = {
  queue: new DynamoReconcileQueue(ddb, env.TABLE_NAME),
  // Its provider calls count against the same limits as the pipeline's: no token, and the work item waits for the
  // next run (a cancel's or a delete's stop request included).
  provider: new GatedVideoProvider(providerAdapterFromEnv(env, { metrics }), gate),
  slots: gate,
  costs: new DynamoBilling(ddb, env.TABLE_NAME),
  videos: new DynamoVideoRepository(ddb, env.TABLE_NAME),
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
 * Scheduled (EventBridge rule): runs the due work items of the reconciler's partition → what the run did. Not traced
 * by the Powertools Tracer (shared/observability/tracing.ts says why); each run is still a trace of Lambda's own segments.
 */
export const handler = middy<ScheduledEvent, ReconcileSummary, Error, Context>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler((_event, context) =>
    reconcileWorkItems({ stopStartingAt: Date.now() + context.getRemainingTimeInMillis() - LAST_ITEM_MS }, deps),
  );

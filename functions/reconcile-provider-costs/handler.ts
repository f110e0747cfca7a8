import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { ddb } from '../../shared/aws/dynamodb';
import { parseEnv } from '../../shared/config';
import { DynamoBilling } from '../../shared/money/billing';
import { DynamoReconcileQueue } from '../../shared/money/reconciliation';
import { logger, metrics, tracer } from '../../shared/powertools';
import { OpenAIVideoProvider, providerConfigFromEnv } from '../../shared/provider/provider-client';
import { DynamoVideoRepository } from '../../shared/repositories/video-repository';
import { reconcileProviderCostsEnvSchema } from './env';
import {
  type ReconcileProviderCostsDeps,
  type ReconcileSummary,
  reconcileProviderCosts,
} from './reconcile-provider-costs';

const env = parseEnv(reconcileProviderCostsEnvSchema);

const deps: ReconcileProviderCostsDeps = {
  queue: new DynamoReconcileQueue(ddb, env.TABLE_NAME),
  provider: new OpenAIVideoProvider({ ...providerConfigFromEnv(env), metrics }),
  costs: new DynamoBilling(ddb, env.TABLE_NAME),
  videos: new DynamoVideoRepository(ddb, env.TABLE_NAME),
  clock: () => new Date(),
  logger,
  metrics,
  options: { lookbackSeconds: env.RECONCILE_LOOKBACK_HOURS * 3600, maxItems: env.RECONCILE_MAX_ITEMS },
};

/** Room left at the end of the invocation for one more provider request and its writes. */
const LAST_ITEM_MS = env.PROVIDER_TIMEOUT_MS + 5_000;

/** Scheduled (EventBridge rule): looks at due provider jobs reelflow gave up on → what the run did. */
export const handler = middy<ScheduledEvent, ReconcileSummary, Error, Context>()
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler((_event, context) =>
    reconcileProviderCosts({ stopStartingAt: Date.now() + context.getRemainingTimeInMillis() - LAST_ITEM_MS }, deps),
  );

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { ddb, dynamodb } from '../../shared/aws/dynamodb';
import { sfn } from '../../shared/aws/sfn';
import { parseEnv } from '../../shared/config';
import { logger, metrics } from '../../shared/observability/powertools';
import { traceAwsClients, traceOutgoingRequests, tracer } from '../../shared/observability/tracing';
import { pipelineTask } from '../../shared/pipeline/task-middleware';
import { providerAdapterFromEnv } from '../../shared/provider/adapters';
import { providerGateFromEnv } from '../../shared/provider/gate/from-env';
import { GatedVideoProvider } from '../../shared/provider/gate/gated-provider';
import { DynamoProviderCallbackStore } from '../../shared/provider/webhooks/callback-store';
import { DynamoProgressReadStore } from '../../shared/provider/webhooks/progress-read';
import { sfnTaskCallbacks } from '../../shared/provider/webhooks/resume-execution';
import { waitForProviderWebhookEnvSchema } from './env';
import {
  type WaitForProviderWebhookDeps,
  type WaitForProviderWebhookInput,
  type WaitOutcome,
  waitForProviderWebhook,
} from './wait-for-provider-webhook';

traceAwsClients(dynamodb, sfn);
// Its HTTP requests go to the provider (and AWS): traced.
traceOutgoingRequests();

const env = parseEnv(waitForProviderWebhookEnvSchema);
const gate = providerGateFromEnv(env, ddb);

const deps: WaitForProviderWebhookDeps = {
  store: new DynamoProviderCallbackStore(ddb, env.TABLE_NAME),
  progress: new DynamoProgressReadStore(ddb, env.TABLE_NAME),
  provider: new GatedVideoProvider(providerAdapterFromEnv(env, { metrics }), gate),
  callbacks: sfnTaskCallbacks(sfn),
  gate,
  clock: () => new Date(),
  logger,
  metrics,
};

/** Task WaitForProviderWebhook (`.waitForTaskToken`): `{videoId, userId, providerVideoId, taskToken}` → what it did. */
export const handler = middy<WaitForProviderWebhookInput, WaitOutcome>()
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(pipelineTask({ logger, tracer }))
  .handler((event) => waitForProviderWebhook(event, deps));

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { ddb, dynamodb } from '../../shared/aws/dynamodb';
import { parseEnv } from '../../shared/config';
import { guardedPost } from '../../shared/net/ssrf-guard';
import { logger, metrics } from '../../shared/observability/powertools';
import { traceAwsClients, tracer } from '../../shared/observability/tracing';
import { DynamoWebhookDeliveryLog } from '../../shared/webhooks/deliveries';
import { DynamoWebhookEndpoints } from '../../shared/webhooks/endpoints';
import { DynamoWebhookEventBodies } from '../../shared/webhooks/event-bodies';
import { WEBHOOK_RETRY_POLICY } from '../../shared/webhooks/retry-policy';
import {
  type DeliverWebhookDeps,
  type DeliverWebhookInput,
  type DeliverWebhookResult,
  deliverWebhook,
} from './deliver-webhook';
import { deliverWebhookEnvSchema } from './env';

traceAwsClients(dynamodb);
// No traceOutgoingRequests(): the requests go to customers' URLs (shared/observability/tracing.ts says why).

const env = parseEnv(deliverWebhookEnvSchema);

const deps: DeliverWebhookDeps = {
  endpoints: new DynamoWebhookEndpoints(ddb, env.TABLE_NAME),
  deliveries: new DynamoWebhookDeliveryLog(ddb, env.TABLE_NAME),
  eventBodies: new DynamoWebhookEventBodies(ddb, env.TABLE_NAME),
  // The receiver's answer body is read (bounded) and dropped: only its status matters.
  send: (url, request) =>
    guardedPost(url, {
      ...request,
      maxBytes: 64 * 1024,
      timeoutMs: WEBHOOK_RETRY_POLICY.attemptTimeoutMs,
      allowPrivateHosts: env.WEBHOOK_URL_ALLOW_LOCAL_HOSTS,
    }),
  clock: () => new Date(),
  logger,
  metrics,
};

/** Task DeliverWebhook of the delivery workflow: one attempt → `$.delivery`. */
export const handler = middy<DeliverWebhookInput, DeliverWebhookResult>()
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler((event) => deliverWebhook(event, deps));

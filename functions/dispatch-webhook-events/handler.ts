import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { ddb, dynamodb } from '../../shared/aws/dynamodb';
import { sfn } from '../../shared/aws/sfn';
import { parseEnv } from '../../shared/config';
import { logger, metrics } from '../../shared/observability/powertools';
import { traceAwsClients, tracer } from '../../shared/observability/tracing';
import { DynamoMinuteRate } from '../../shared/rates/minute-rate';
import { DynamoWebhookDeliveryLog } from '../../shared/webhooks/deliveries';
import { StepFunctionsDeliveryStarter } from '../../shared/webhooks/delivery-starter';
import { DynamoWebhookEndpoints } from '../../shared/webhooks/endpoints';
import { DynamoWebhookEventBodies } from '../../shared/webhooks/event-bodies';
import { DynamoWebhookOutbox } from '../../shared/webhooks/outbox';
import { type DispatchSummary, type DispatchWebhookEventsDeps, dispatchWebhookEvents } from './dispatch-webhook-events';
import { dispatchWebhookEventsEnvSchema } from './env';

traceAwsClients(dynamodb, sfn);

const env = parseEnv(dispatchWebhookEventsEnvSchema);

const deps: Omit<DispatchWebhookEventsDeps, 'remainingMs'> = {
  outbox: new DynamoWebhookOutbox(ddb, env.TABLE_NAME),
  endpoints: new DynamoWebhookEndpoints(ddb, env.TABLE_NAME),
  deliveries: new DynamoWebhookDeliveryLog(ddb, env.TABLE_NAME),
  starter: new StepFunctionsDeliveryStarter(sfn, env.DELIVERY_STATE_MACHINE_ARN),
  eventBodies: new DynamoWebhookEventBodies(ddb, env.TABLE_NAME),
  rate: new DynamoMinuteRate(ddb, env.TABLE_NAME),
  deliveriesPerMinute: env.WEBHOOK_DELIVERIES_PER_MINUTE,
  clock: () => new Date(),
  logger,
  metrics,
  maxItems: env.WEBHOOK_DISPATCH_MAX_ITEMS,
};

/** Scheduled (EventBridge rule): the webhook outbox → one delivery workflow per subscribed endpoint. */
export const handler = middy<ScheduledEvent, DispatchSummary, Error, Context>()
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler((_event, context) =>
    dispatchWebhookEvents({ ...deps, remainingMs: () => context.getRemainingTimeInMillis() }),
  );

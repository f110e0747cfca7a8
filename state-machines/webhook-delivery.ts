import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { TRANSIENT_LAMBDA_ERRORS } from '../shared/aws/transient-errors';
import { TRANSIENT_RETRY } from '../shared/pipeline/duration';
import { deliveryExecutionTimeoutSeconds } from '../shared/webhooks/retry-policy';

// The webhook delivery workflow: one Standard execution per event and endpoint, named `{endpointId}-{eventId}`,
// started by dispatch-webhook-events. Drawn, with who picks its waits: docs/WEBHOOKS.md, "Outgoing: how an event
// travels".

/** State names, for operators and tests. */
export const DELIVERY_STATE_NAMES = {
  deliverWebhook: 'DeliverWebhook',
  isWebhookDelivered: 'IsWebhookDelivered',
  waitBeforeRedelivery: 'WaitBeforeRedelivery',
  webhookDeliveryEnded: 'WebhookDeliveryEnded',
  webhookDeliveryFailed: 'WebhookDeliveryFailed',
} as const;

/** The whole-execution timeout: the 24-hour retry window plus one more wait and attempt. */
export function webhookDeliveryTimeout(): Duration {
  return Duration.seconds(deliveryExecutionTimeoutSeconds());
}

/** Builds the delivery workflow's states in `scope` and returns its start. */
export function buildWebhookDelivery(scope: Construct, deliver: lambda.IFunction): sfn.IChainable {
  const deliverWebhook = new tasks.LambdaInvoke(scope, DELIVERY_STATE_NAMES.deliverWebhook, {
    lambdaFunction: deliver,
    payloadResponseOnly: true,
    retryOnServiceExceptions: false,
    comment: 'One signed POST to the endpoint; records the attempt and picks the wait before the next',
    resultPath: '$.delivery',
  }).addRetry({
    // The attempt is safe to repeat (at-least-once delivery; receivers de-duplicate on webhook-id).
    errors: [...TRANSIENT_LAMBDA_ERRORS, sfn.Errors.TASKS_FAILED],
    interval: Duration.seconds(TRANSIENT_RETRY.intervalSeconds),
    backoffRate: TRANSIENT_RETRY.backoffRate,
    maxAttempts: TRANSIENT_RETRY.maxAttempts,
    maxDelay: Duration.seconds(TRANSIENT_RETRY.maxDelaySeconds),
    jitterStrategy: sfn.JitterType.FULL,
  });
  const waitBeforeRedelivery = new sfn.Wait(scope, DELIVERY_STATE_NAMES.waitBeforeRedelivery, {
    comment: 'Exponential, jittered, capped wait chosen by DeliverWebhook ($.delivery.waitSeconds)',
    time: sfn.WaitTime.secondsPath('$.delivery.waitSeconds'),
  });
  const ended = new sfn.Succeed(scope, DELIVERY_STATE_NAMES.webhookDeliveryEnded, {
    comment: 'Delivered (a 2xx), or skipped because the endpoint was deleted or disabled',
  });
  const failed = new sfn.Fail(scope, DELIVERY_STATE_NAMES.webhookDeliveryFailed, {
    comment: 'No 2xx within the retry window, or the endpoint was disabled meanwhile',
    error: 'WebhookDeliveryFailed',
    cause: 'The endpoint did not accept the event within 24 hours (see its delivery log)',
  });
  const isWebhookDelivered = new sfn.Choice(scope, DELIVERY_STATE_NAMES.isWebhookDelivered, {
    comment: 'retry → wait and try again; gave_up → failed; delivered or skipped → done',
  })
    .when(sfn.Condition.stringEquals('$.delivery.status', 'retry'), waitBeforeRedelivery.next(deliverWebhook))
    .when(sfn.Condition.stringEquals('$.delivery.status', 'gave_up'), failed)
    .otherwise(ended);
  return deliverWebhook.next(isWebhookDelivered);
}

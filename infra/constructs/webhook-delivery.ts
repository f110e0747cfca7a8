import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { buildWebhookDelivery, webhookDeliveryTimeout } from '../../state-machines/webhook-delivery';
import { AppFunction } from './app-function';
import { bindDeliveryStateMachine, bindTable } from './bindings';
import { stateMachineLogs, suppressGeneratedRoleFindings } from './state-machine-options';

export interface WebhookDeliveryProps {
  readonly table: dynamodb.ITable;
  /**
   * How often the dispatcher looks at the outbox: the most an event waits before its first attempt.
   * @default Duration.minutes(1) (EventBridge's shortest rate)
   */
  readonly dispatchEvery?: Duration;
  /**
   * How long the functions' and the state machine's logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Signed webhooks to client apps. The money transactions that make a video completed, failed or cancelled write an
 * outbox item in the same transaction; dispatch-webhook-events, run by an EventBridge schedule, turns each into one
 * delivery workflow execution per subscribed endpoint (state-machines/webhook-delivery.ts), whose deliver-webhook
 * task signs and POSTs, retried through Wait states for 24 hours. A schedule rather than a DynamoDB stream: the
 * local stack runs schedules and state machines from this template for real, and has no streams.
 */
export class WebhookDelivery extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly dispatchFunction: AppFunction;
  public readonly deliverFunction: AppFunction;
  public readonly schedule: events.Rule;

  constructor(scope: Construct, id: string, props: WebhookDeliveryProps) {
    super(scope, id);
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;

    // 30 s: one attempt is bounded at 10 s (WEBHOOK_RETRY_POLICY.attemptTimeoutMs), plus the endpoint and log writes.
    this.deliverFunction = new AppFunction(this, 'DeliverWebhookFunction', {
      folder: 'deliver-webhook',
      logRetention,
      memorySize: 256,
      timeout: Duration.seconds(30),
    });
    // GetItem/UpdateItem: the endpoint (secrets, failing since, disabled) and the delivery log item.
    bindTable(this.deliverFunction, props.table, ['GetItem', 'UpdateItem']);

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(buildWebhookDelivery(this, this.deliverFunction)),
      timeout: webhookDeliveryTimeout(),
      tracingEnabled: true,
      logs: stateMachineLogs(this, logRetention),
    });
    suppressGeneratedRoleFindings(this.stateMachine);

    this.dispatchFunction = new AppFunction(this, 'DispatchWebhookEventsFunction', {
      folder: 'dispatch-webhook-events',
      logRetention,
      memorySize: 256,
      timeout: Duration.seconds(60),
    });
    // Query/UpdateItem/DeleteItem: the outbox and how far a fan-out got; Query: the user's endpoints; PutItem: the
    // pending delivery log items; GetItem/PutItem: each user's deliveries this minute (the per-user rate).
    bindTable(this.dispatchFunction, props.table, ['Query', 'GetItem', 'PutItem', 'UpdateItem', 'DeleteItem']);
    bindDeliveryStateMachine(this.dispatchFunction, this.stateMachine);

    this.schedule = new events.Rule(this, 'Schedule', {
      description: 'Runs dispatch-webhook-events: starts a delivery per subscribed endpoint for each outbox event',
      schedule: events.Schedule.rate(props.dispatchEvery ?? Duration.minutes(1)),
      // A missed run is made up by the next one: items stay in the outbox until dispatched.
      targets: [new targets.LambdaFunction(this.dispatchFunction, { retryAttempts: 0 })],
    });
  }
}

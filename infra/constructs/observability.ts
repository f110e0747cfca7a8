import { Duration } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { POLL_POLICY } from '../../shared/pipeline/poll-policy';

/** The CloudWatch namespace of reelflow's own metrics (POWERTOOLS_METRICS_NAMESPACE of every function). */
export const METRICS_NAMESPACE = 'reelflow';

/** A function as the alarms see it: its Powertools service name (its folder) and whether its errors page. */
export interface ObservedFunction {
  readonly service: string;
  readonly fn: lambda.IFunction;
  /**
   * Whether any Lambda error of this function needs a person. True for functions whose expected failures are
   * answered, not thrown (API routes answer the envelope; the reconciler and erase-user-data catch per item;
   * RecordFailure and RecordCompletion throw only when settling failed). False for pipeline tasks that report a
   * video's failure by throwing (CreateGenerationJob, PollGenerationJob, StoreVideo): a moderation block is a Lambda
   * error there, and their errors that need a person surface as VideosFailedInfrastructure.
   */
  readonly errorsPage: boolean;
}

export interface ObservabilityProps {
  readonly stateMachine: sfn.IStateMachine;
  readonly httpApi: apigwv2.IHttpApi;
  /** Every function of the app: each gets a Throttles alarm, and an Errors alarm where `errorsPage`. */
  readonly functions: readonly ObservedFunction[];
  /** Service names of the functions that call the provider (they emit ProviderLatency and friends). */
  readonly providerServices: readonly string[];
  /** Tables whose throttling pages. */
  readonly tables: readonly dynamodb.ITable[];
  /** Email address subscribed to the alarm topic. @default - none: subscribe to the topic out of band */
  readonly alarmEmail?: string | undefined;
  /** Provider 429 answers in 5 minutes that make a storm. @default 50 */
  readonly rateLimitStormThreshold?: number;
}

/**
 * Alarms that mean something, all notifying one SNS topic, and a dashboard. Failed videos page only through
 * `VideosFailedInfrastructure` (codes that are not refusals), never through ExecutionsFailed; what each alarm means and
 * what to do: docs/RUNBOOK.md, "Alarms".
 */
export class Observability extends Construct {
  public readonly topic: sns.Topic;
  public readonly alarms: cloudwatch.Alarm[] = [];
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const period = Duration.minutes(5);

    // Encrypted topic: CloudWatch must be allowed to use the key to publish.
    const key = new kms.Key(this, 'AlarmTopicKey', {
      enableKeyRotation: true,
      description: 'Encrypts the reelflow alarm topic',
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'reelflow alarms',
      masterKey: key,
      enforceSSL: true,
    });
    if (props.alarmEmail !== undefined) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    }
    const action = new actions.SnsAction(this.topic);

    const alarm = (
      alarmId: string,
      metric: cloudwatch.IMetric,
      description: string,
      options: { threshold?: number; evaluationPeriods?: number; datapointsToAlarm?: number } = {},
    ) => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        metric,
        threshold: options.threshold ?? 1,
        evaluationPeriods: options.evaluationPeriods ?? 1,
        ...(options.datapointsToAlarm === undefined ? {} : { datapointsToAlarm: options.datapointsToAlarm }),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      created.addAlarmAction(action);
      created.addOkAction(action);
      this.alarms.push(created);
      return created;
    };
    const custom = (metricName: string, service: string, statistic: string = cloudwatch.Stats.SUM) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service },
        period,
        statistic,
      });
    // Ids are unique per metric name: two sums may share a graph.
    const sumOver = (metricName: string, services: readonly string[], label: string) =>
      new cloudwatch.MathExpression({
        expression: services.map((_, index) => `FILL(${metricName.toLowerCase()}${index}, 0)`).join(' + '),
        usingMetrics: Object.fromEntries(
          services.map((service, index) => [`${metricName.toLowerCase()}${index}`, custom(metricName, service)]),
        ),
        label,
        period,
      });

    // Videos.
    alarm(
      'InfrastructureVideoFailures',
      custom('VideosFailedInfrastructure', 'record-failure'),
      'Videos failed for a reason a person must look at (error code not a refusal: provider_failed, timed_out, ' +
        'expired, or a provider code not known as a refusal). Moderation blocks, invalid input and cancels never count.',
    );
    alarm(
      'RecordFailureExhausted',
      new cloudwatch.MathExpression({
        expression: 'FILL(failed, 0) - FILL(recorded, 0)',
        usingMetrics: {
          failed: props.stateMachine.metricFailed({ period, statistic: cloudwatch.Stats.SUM }),
          recorded: custom('FailuresRecorded', 'record-failure'),
        },
        label: 'Executions failed without RecordFailure finishing',
        period,
      }),
      'Pipeline executions failed without RecordFailure finishing (ExecutionsFailed minus FailuresRecorded): ' +
        'RecordFailure ran out of retries and the video is left unsettled until its deadline watch releases it.',
    );
    alarm(
      'TimedOutExecutions',
      props.stateMachine.metricTimedOut({ period, statistic: cloudwatch.Stats.SUM }),
      'A video pipeline execution hit its whole-execution timeout: the video was left non-terminal',
    );
    alarm(
      'ThrottledExecutions',
      props.stateMachine.metric('ExecutionThrottled', { period, statistic: cloudwatch.Stats.SUM }),
      'Step Functions throttled pipeline executions or state transitions: videos are delayed',
    );
    const maxExpectedLagSeconds =
      Math.max(POLL_POLICY.maxWaitSeconds * (1 + POLL_POLICY.jitterRatio), POLL_POLICY.maxRetryAfterSeconds) + 60;
    alarm(
      'CompletionDetectionLag',
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: 'CompletionDetectionLagSeconds',
        dimensionsMap: { service: 'poll-generation-job' },
        period: Duration.minutes(15),
        statistic: cloudwatch.Stats.p(90),
      }),
      `Finished provider jobs wait too long to be noticed (p90 of provider completed_at to our poll above ` +
        `${maxExpectedLagSeconds} s, the longest poll wait or retry-after plus a minute): polls are failing or throttled`,
      { threshold: maxExpectedLagSeconds },
    );

    // Money: the work-item reconciler.
    alarm(
      'WorkItemReconcilerGaveUp',
      custom('WorkItemReconcileAbandoned', 'reconcile-work-items'),
      'The work-item reconciler gave up on a work item: a provider cost is unknown to finance',
    );
    alarm(
      'CancelledSettlementGaveUp',
      custom('CancelledSettlementGaveUp', 'reconcile-work-items'),
      'The reconciler gave up waiting for the provider’s outcome of a video cancelled after the provider accepted ' +
        'its job (no answer within its window, or its deadline watch fell due) and released it at 0: the provider ' +
        'may have billed work the user was not charged for',
    );
    alarm(
      'VideosLeftUnsettled',
      custom('WorkItemReconcileDeadlineReleased', 'reconcile-work-items'),
      'A video was still unsettled when no execution could be running (RecordFailure out of retries, a timeout ' +
        'or a stopped execution); the reconciler released it as failed timed_out',
    );

    // Erasures.
    alarm(
      'UserErasureGaveUp',
      custom('UserErasureItemsAbandoned', 'erase-user-data'),
      'erase-user-data gave up on an erasure of a user’s data after repeated failures: the erasure stays pending ' +
        'and the user’s data may be partly there',
    );

    // The provider, measured where it answers.
    alarm(
      'ProviderAuthFailures',
      sumOver('ProviderAuthFailures', props.providerServices, 'Provider 401/403 answers'),
      'The provider answered 401/403: the API key is wrong, revoked or lacks access. No retry fixes this.',
    );
    const stormThreshold = props.rateLimitStormThreshold ?? 50;
    alarm(
      'ProviderRateLimitStorm',
      sumOver('ProviderRateLimited', props.providerServices, 'Provider 429 answers'),
      `The provider answered 429 at least ${stormThreshold} times in 5 minutes, twice in a row: our quota is too ` +
        'small for the load and videos are slowing down',
      { threshold: stormThreshold, evaluationPeriods: 2 },
    );

    // The API.
    alarm(
      'ApiServerErrors',
      props.httpApi.metricServerError({ period, statistic: cloudwatch.Stats.SUM }),
      'The HTTP API answered 5xx',
    );

    // Lambda.
    for (const { service, fn, errorsPage } of props.functions) {
      const name = pascalCase(service);
      alarm(
        `${name}Throttles`,
        fn.metricThrottles({ period, statistic: cloudwatch.Stats.SUM }),
        `Lambda throttled ${service}: account or reserved concurrency exhausted`,
      );
      if (errorsPage) {
        alarm(
          `${name}Errors`,
          fn.metricErrors({ period, statistic: cloudwatch.Stats.SUM }),
          `${service} failed outside its own error handling (crash, timeout, out of memory, init failure)`,
        );
      }
    }

    // DynamoDB: both throttle events cover every operation on the table.
    props.tables.forEach((table, index) => {
      alarm(
        `Table${index}Throttles`,
        new cloudwatch.MathExpression({
          expression: 'FILL(reads, 0) + FILL(writes, 0)',
          usingMetrics: {
            reads: table.metric('ReadThrottleEvents', { period, statistic: cloudwatch.Stats.SUM }),
            writes: table.metric('WriteThrottleEvents', { period, statistic: cloudwatch.Stats.SUM }),
          },
          label: 'Throttle events',
          period,
        }),
        'DynamoDB throttled requests on a reelflow table (read or write throttle events)',
      );
    });

    const failedByCode = new cloudwatch.MathExpression({
      expression: `SEARCH('{${METRICS_NAMESPACE},ErrorCode,service} MetricName="VideosFailedByCode"', 'Sum', 300)`,
      label: '',
      period,
    });
    const chargedPerHour = new cloudwatch.MathExpression({
      expression: 'FILL(charged, 0) / 1000000',
      usingMetrics: { charged: custom('ChargedMicros', 'record-completion') },
      label: 'USD charged per hour',
      period: Duration.hours(1),
    });
    const providerLatency = props.providerServices.flatMap((service) => [
      custom('ProviderLatency', service, cloudwatch.Stats.p(50)).with({ label: `${service} p50` }),
      custom('ProviderLatency', service, cloudwatch.Stats.p(99)).with({ label: `${service} p99` }),
    ]);

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Executions by outcome',
            left: [
              props.stateMachine.metricStarted({ period }),
              props.stateMachine.metricSucceeded({ period }),
              props.stateMachine.metricFailed({ period }),
              props.stateMachine.metricTimedOut({ period }),
              props.stateMachine.metricAborted({ period }),
              props.stateMachine.metric('ExecutionThrottled', { period, statistic: cloudwatch.Stats.SUM }),
            ],
          }),
          new cloudwatch.GraphWidget({
            title: 'Failed videos by code (infrastructure on the right)',
            left: [failedByCode],
            right: [custom('VideosFailedInfrastructure', 'record-failure')],
          }),
        ],
        [
          new cloudwatch.GraphWidget({ title: 'Provider latency (ms until headers)', left: providerLatency }),
          new cloudwatch.GraphWidget({
            title: 'Provider 429s and 401/403s',
            left: [sumOver('ProviderRateLimited', props.providerServices, 'Provider 429 answers')],
            right: [sumOver('ProviderAuthFailures', props.providerServices, 'Provider 401/403 answers')],
          }),
        ],
        [
          new cloudwatch.GraphWidget({ title: 'Cost per hour (USD charged)', left: [chargedPerHour] }),
          new cloudwatch.GraphWidget({
            title: 'HTTP API',
            left: [props.httpApi.metricCount({ period }), props.httpApi.metricServerError({ period })],
            right: [props.httpApi.metricLatency({ period, statistic: cloudwatch.Stats.p(99) })],
          }),
        ],
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 })],
      ],
    });
  }
}

function pascalCase(folder: string): string {
  return folder.replace(/(^|-)([a-z])/g, (_, __, letter: string) => letter.toUpperCase());
}

import { Duration } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

export interface ObservabilityProps {
  readonly stateMachine: sfn.IStateMachine;
  readonly httpApi: apigwv2.IHttpApi;
  /**
   * Where alarms notify (e.g. an SNS topic action).
   * @default - none: alarms show in the console and on the dashboard only
   */
  readonly alarmActions?: readonly cloudwatch.IAlarmAction[];
}

/** Alarms an operator needs (failed or timed-out videos, API 5xx) and a dashboard showing them. */
export class Observability extends Construct {
  public readonly failedExecutionsAlarm: cloudwatch.Alarm;
  public readonly timedOutExecutionsAlarm: cloudwatch.Alarm;
  public readonly apiServerErrorsAlarm: cloudwatch.Alarm;
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const period = Duration.minutes(5);
    const atLeastOnce = (alarmId: string, metric: cloudwatch.IMetric, description: string) =>
      new cloudwatch.Alarm(this, alarmId, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });

    this.failedExecutionsAlarm = atLeastOnce(
      'FailedExecutions',
      props.stateMachine.metricFailed({ period, statistic: cloudwatch.Stats.SUM }),
      'A video pipeline execution failed without reaching VideoFailed/VideoReady (e.g. RecordFailure kept failing)',
    );
    this.timedOutExecutionsAlarm = atLeastOnce(
      'TimedOutExecutions',
      props.stateMachine.metricTimedOut({ period, statistic: cloudwatch.Stats.SUM }),
      'A video pipeline execution hit its whole-execution timeout: the video was left non-terminal',
    );
    this.apiServerErrorsAlarm = atLeastOnce(
      'ApiServerErrors',
      props.httpApi.metricServerError({ period, statistic: cloudwatch.Stats.SUM }),
      'The HTTP API answered 5xx',
    );
    for (const alarm of [this.failedExecutionsAlarm, this.timedOutExecutionsAlarm, this.apiServerErrorsAlarm]) {
      alarm.addAlarmAction(...(props.alarmActions ?? []));
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Video pipeline executions',
            left: [
              props.stateMachine.metricStarted({ period }),
              props.stateMachine.metricSucceeded({ period }),
              props.stateMachine.metricFailed({ period }),
              props.stateMachine.metricTimedOut({ period }),
            ],
          }),
          new cloudwatch.GraphWidget({
            title: 'HTTP API',
            left: [props.httpApi.metricCount({ period }), props.httpApi.metricServerError({ period })],
            right: [props.httpApi.metricLatency({ period, statistic: cloudwatch.Stats.p(99) })],
          }),
        ],
        [
          new cloudwatch.AlarmStatusWidget({
            title: 'Alarms',
            alarms: [this.failedExecutionsAlarm, this.timedOutExecutionsAlarm, this.apiServerErrorsAlarm],
          }),
        ],
      ],
    });
  }
}

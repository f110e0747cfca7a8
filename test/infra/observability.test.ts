import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app';
import { synthesizeApp } from './app-fixture';

const { statelessTemplate: template, stateless } = synthesizeApp({ 'reelflow:alarmEmail': 'oncall@example.com' });

interface AlarmProperties {
  AlarmDescription: string;
  AlarmActions: unknown[];
  OKActions: unknown[];
  MetricName?: string;
  Namespace?: string;
  Dimensions?: Array<{ Name: string; Value: unknown }>;
  Threshold: number;
  Metrics?: Array<{ Id: string; Expression?: string; MetricStat?: { Metric: { MetricName: string } } }>;
}

const alarms = Object.entries(template.findResources('AWS::CloudWatch::Alarm')).map(([logicalId, resource]) => ({
  logicalId,
  ...(resource.Properties as AlarmProperties),
}));
const topicId = Object.keys(template.findResources('AWS::SNS::Topic'))[0]!;

/** The alarm whose logical id starts with the construct path `Observability<id>`. */
function alarm(id: string) {
  const found = alarms.find((candidate) => candidate.logicalId.startsWith(`Observability${id}`));
  if (!found) throw new Error(`no alarm ${id}; have ${alarms.map((candidate) => candidate.logicalId).join(', ')}`);
  return found;
}

/** Every metric name an alarm reads, directly or inside its metric math. */
function metricNames(properties: AlarmProperties): string[] {
  if (properties.MetricName) return [properties.MetricName];
  return (properties.Metrics ?? []).flatMap((metric) =>
    metric.MetricStat ? [metric.MetricStat.Metric.MetricName] : [],
  );
}

describe('observability', () => {
  it('points every alarm at the alarm topic, for ALARM and OK', () => {
    expect(alarms.length).toBeGreaterThan(20);
    for (const { logicalId, AlarmActions, OKActions } of alarms) {
      expect({ logicalId, AlarmActions, OKActions }).toEqual({
        logicalId,
        AlarmActions: [{ Ref: topicId }],
        OKActions: [{ Ref: topicId }],
      });
    }
  });

  it('subscribes the deployment setting reelflow:alarmEmail to an encrypted, TLS-only topic', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      TopicArn: { Ref: topicId },
    });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('has no email subscription without the setting, and rejects a malformed one', () => {
    expect(Object.keys(synthesizeApp().statelessTemplate.findResources('AWS::SNS::Subscription'))).toEqual([]);
    expect(() =>
      buildApp({ context: { 'aws:cdk:bundling-stacks': [], 'reelflow:alarmEmail': 'not an email' } }),
    ).toThrow(/"reelflow:alarmEmail" must be an email address/);
  });

  it('never pages on every failed execution: failed videos page only through the infrastructure count', () => {
    const onExecutionsFailed = alarms.filter((candidate) => metricNames(candidate).includes('ExecutionsFailed'));
    // The only alarm reading ExecutionsFailed subtracts the executions that reached RecordFailure.
    expect(onExecutionsFailed.map((candidate) => candidate.logicalId)).toEqual([
      alarm('RecordFailureExhausted').logicalId,
    ]);
    expect(metricNames(alarm('RecordFailureExhausted')).sort()).toEqual(['ExecutionsFailed', 'FailuresRecorded']);
    expect(alarm('RecordFailureExhausted').Metrics?.find((metric) => metric.Expression)?.Expression).toBe(
      'FILL(failed, 0) - FILL(recorded, 0)',
    );
    expect(
      alarms.some((candidate) => metricNames(candidate).some((name) => name.startsWith('VideosFailedByCode'))),
    ).toBe(false);
    const infrastructure = alarm('InfrastructureVideoFailures');
    expect(infrastructure).toMatchObject({
      Namespace: 'reelflow',
      MetricName: 'VideosFailedInfrastructure',
      Threshold: 1,
    });
    expect(infrastructure.AlarmDescription).toMatch(/Moderation blocks, invalid input and cancels never count/);
  });

  it.each([
    ['WorkItemReconcilerGaveUp', ['WorkItemReconcileAbandoned'], /gave up/],
    ['VideosLeftUnsettled', ['WorkItemReconcileDeadlineReleased'], /unsettled/],
    ['UserErasureGaveUp', ['UserErasureItemsAbandoned'], /erasure of a user’s data/],
    ['CancelledSettlementGaveUp', ['CancelledSettlementGaveUp'], /gave up waiting for the provider/],
    ['ProviderAuthFailures', Array(4).fill('ProviderAuthFailures'), /401\/403/],
    ['ProviderRateLimitStorm', Array(4).fill('ProviderRateLimited'), /429/],
    ['ThrottledExecutions', ['ExecutionThrottled'], /throttled/],
    ['TimedOutExecutions', ['ExecutionsTimedOut'], /timeout/],
    ['CompletionDetectionLag', ['CompletionDetectionLagSeconds'], /noticed/],
    ['ApiServerErrors', ['5xx'], /5xx/],
  ])('alarms %s on %j, saying what it means', (id, metrics, description) => {
    const found = alarm(id);

    expect(metricNames(found)).toEqual(metrics);
    expect(found.AlarmDescription).toMatch(description);
  });

  it('reads the reconciler’s alarms from reconcile-work-items and the erasure’s from erase-user-data', () => {
    const serviceOf = (id: string) => alarm(id).Dimensions?.find((dimension) => dimension.Name === 'service')?.Value;

    expect(
      Object.fromEntries(
        ['WorkItemReconcilerGaveUp', 'VideosLeftUnsettled', 'CancelledSettlementGaveUp', 'UserErasureGaveUp'].map(
          (id) => [id, serviceOf(id)],
        ),
      ),
    ).toEqual({
      WorkItemReconcilerGaveUp: 'reconcile-work-items',
      VideosLeftUnsettled: 'reconcile-work-items',
      CancelledSettlementGaveUp: 'reconcile-work-items',
      UserErasureGaveUp: 'erase-user-data',
    });
    for (const id of ['ReconcileWorkItemsErrors', 'ReconcileWorkItemsThrottles', 'EraseUserDataErrors']) {
      expect(alarm(id).logicalId).toMatch(new RegExp(`^Observability${id}`));
    }
    expect(JSON.stringify(template.toJSON())).not.toMatch(/ProviderCostReconcil|reconcile-provider-costs/);
  });

  it('alarms on Lambda throttles of every function, and on errors of those whose errors are never expected', () => {
    const functions = stateless.node.findAll().filter((node) => node.constructor.name === 'AppFunction');
    const throttles = alarms.filter((candidate) => metricNames(candidate)[0] === 'Throttles');
    const errors = alarms.filter((candidate) => metricNames(candidate)[0] === 'Errors');

    expect(throttles).toHaveLength(functions.length);
    // Pipeline tasks that report a video's failure (e.g. a moderation block) by throwing get no Errors alarm.
    expect(errors).toHaveLength(functions.length - 3);
    for (const folder of ['CreateGenerationJob', 'PollGenerationJob', 'StoreVideo']) {
      expect(errors.some((candidate) => candidate.logicalId.startsWith(`Observability${folder}Errors`))).toBe(false);
    }
    expect(alarm('RecordFailureErrors').AlarmDescription).toMatch(
      /record-failure failed outside its own error handling/,
    );
  });

  it('alarms on DynamoDB throttling of both tables', () => {
    for (const id of ['Table0Throttles', 'Table1Throttles']) {
      expect(metricNames(alarm(id)).sort()).toEqual(['ReadThrottleEvents', 'WriteThrottleEvents']);
    }
  });

  it('draws the dashboard: executions by outcome, failed videos by code, provider latency and 429s, cost per hour', () => {
    const body = JSON.stringify(template.findResources('AWS::CloudWatch::Dashboard'));
    for (const expected of [
      'Executions by outcome',
      'ExecutionsAborted',
      'VideosFailedByCode',
      'ProviderLatency',
      'ProviderRateLimited',
      'USD charged per hour',
      // The reconciler's provider latency, under its name.
      'reconcile-work-items p50',
    ]) {
      expect(body).toContain(expected);
    }
  });
});

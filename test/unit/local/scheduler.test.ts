import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localSchedules, rateMs, startLocalScheduler } from '../../../local/scheduler/scheduler';
import { LocalTemplate } from '../../../local/template/resolve';
import { synthesizeApp } from '../../../local/template/synth';

const fnArn = (logicalId: string) => `arn:aws:lambda:us-east-1:000000000000:function:Stack-${logicalId}`;

/** A one-stack template with a function and the given rules. */
function templateWith(rules: Record<string, Record<string, unknown>>): LocalTemplate {
  return new LocalTemplate([
    {
      stackName: 'Stack',
      template: {
        Resources: {
          Fn: { Type: 'AWS::Lambda::Function', Properties: {} },
          ...Object.fromEntries(
            Object.entries(rules).map(([id, props]) => [id, { Type: 'AWS::Events::Rule', Properties: props }]),
          ),
        },
      },
    },
  ]);
}

const target = { Arn: { 'Fn::GetAtt': ['Fn', 'Arn'] }, Id: 'Target0' };

function deadline<T>(promise: Promise<T>, ms = 5000): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms)),
  ]);
}

describe('local scheduler', () => {
  it('returns the interval of rate() expressions and undefined for cron or malformed ones', () => {
    expect(rateMs('rate(15 minutes)')).toBe(900_000);
    expect(rateMs('rate(1 minute)')).toBe(60_000);
    expect(rateMs('rate(2 hours)')).toBe(7_200_000);
    expect(rateMs('rate(1 day)')).toBe(86_400_000);
    expect(rateMs('rate(1 minutes)')).toBeUndefined();
    expect(rateMs('rate(0 minutes)')).toBeUndefined();
    expect(rateMs('cron(0 12 * * ? *)')).toBeUndefined();
  });

  it('returns a schedule per enabled rate rule target and lists cron rules and foreign targets as skipped', () => {
    const template = templateWith({
      Every5: { ScheduleExpression: 'rate(5 minutes)', State: 'ENABLED', Targets: [target] },
      Off: { ScheduleExpression: 'rate(5 minutes)', State: 'DISABLED', Targets: [target] },
      Nightly: { ScheduleExpression: 'cron(0 3 * * ? *)', Targets: [target] },
      Pattern: { EventPattern: { source: ['aws.s3'] }, Targets: [target] },
      Elsewhere: { ScheduleExpression: 'rate(1 hour)', Targets: [{ Arn: 'arn:aws:sqs:us-east-1:1:q', Id: 'Q' }] },
    });

    const { schedules, skipped } = localSchedules(template, (arn) => arn === fnArn('Fn'));

    expect(schedules).toEqual([
      {
        rule: 'Stack/Every5',
        ruleArn: 'arn:aws:events:us-east-1:000000000000:rule/Stack-Every5',
        expression: 'rate(5 minutes)',
        everyMs: 300_000,
        functionArn: fnArn('Fn'),
        input: undefined,
      },
    ]);
    expect(skipped).toEqual([
      'Stack/Nightly: cron(0 3 * * ? *) (only rate(...) runs locally)',
      'Stack/Elsewhere: target arn:aws:sqs:us-east-1:1:q is not a local function',
    ]);
  });

  it('returns the reconciler and erasure (rate 15 minutes) and webhook dispatcher (rate 1 minute) schedules from the synthesized app', async () => {
    const template = await synthesizeApp(mkdtempSync(join(tmpdir(), 'reelflow-scheduler-')));
    const functions = template.resourcesOfType('AWS::Lambda::Function');
    const arnOf = (handler: string) => {
      const found = functions.find(({ resource }) => resource.Metadata?.['reelflow:handler'] === handler);
      return template.attribute(found!.stackName, found!.logicalId, 'Arn');
    };
    const reconcilerArn = arnOf('functions/reconcile-work-items/handler.ts');
    const erasureArn = arnOf('functions/erase-user-data/handler.ts');
    const dispatcherArn = arnOf('functions/dispatch-webhook-events/handler.ts');

    const { schedules, skipped } = localSchedules(template, () => true);

    expect(schedules.map(({ expression, functionArn }) => ({ expression, functionArn }))).toEqual(
      expect.arrayContaining([
        { expression: 'rate(15 minutes)', functionArn: reconcilerArn },
        { expression: 'rate(15 minutes)', functionArn: erasureArn },
        { expression: 'rate(1 minute)', functionArn: dispatcherArn },
      ]),
    );
    expect(schedules).toHaveLength(3);
    expect(skipped).toEqual([]);
    // The integration tests tell the rules apart by name (one matches /Reconcil/, one /Webhook/, one /Erasure/).
    expect(schedules.filter(({ rule }) => /Reconcil/i.test(rule)).map(({ functionArn }) => functionArn)).toEqual([
      reconcilerArn,
    ]);
    expect(schedules.filter(({ rule }) => /Erasure/i.test(rule)).map(({ functionArn }) => functionArn)).toEqual([
      erasureArn,
    ]);
  }, 60_000);

  it('invokes the target with a scheduled event at the override interval, never twice at once, until stopped', async () => {
    const template = templateWith({ Often: { ScheduleExpression: 'rate(1 day)', Targets: [target] } });
    const { schedules } = localSchedules(template, () => true);
    const events: unknown[] = [];
    let concurrent = 0;
    let maxConcurrent = 0;
    let release: () => void = () => undefined;
    const firstHeld = new Promise<void>((resolve) => {
      release = resolve;
    });
    const invoker = {
      async invoke(arn: string, event: unknown) {
        expect(arn).toBe(fnArn('Fn'));
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        events.push(event);
        // The first invocation outlasts several ticks.
        if (events.length === 1) await firstHeld;
        concurrent--;
        if (events.length === 2) throw new Error('boom');
      },
    };
    const logged: string[] = [];

    const scheduler = startLocalScheduler(schedules, invoker, { overrideMs: 10, log: (line) => logged.push(line) });
    await deadline(
      (async () => {
        while (events.length < 1) await new Promise((resolve) => setTimeout(resolve, 5));
        await new Promise((resolve) => setTimeout(resolve, 60));
        release();
        while (events.length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
      })(),
    );
    await scheduler.stop();
    const fired = events.length;
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(maxConcurrent).toBe(1);
    expect(events.length).toBe(fired);
    expect(events[0]).toMatchObject({
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      resources: ['arn:aws:events:us-east-1:000000000000:rule/Stack-Often'],
      detail: {},
    });
    expect(logged).toEqual(['schedule Stack/Often: Error: boom']);
  });

  it('writes the count of finished runs per rule to the runs file after each run, failed runs included', async () => {
    const template = templateWith({ Often: { ScheduleExpression: 'rate(1 day)', Targets: [target] } });
    const { schedules } = localSchedules(template, () => true);
    const runsFile = join(mkdtempSync(join(tmpdir(), 'reelflow-scheduler-')), 'schedule-runs.json');
    let invocations = 0;
    const invoker = {
      async invoke() {
        invocations += 1;
        if (invocations === 2) throw new Error('boom');
      },
    };
    const runsOf = () => {
      try {
        return (JSON.parse(readFileSync(runsFile, 'utf8')) as Record<string, number>)['Stack/Often'] ?? 0;
      } catch {
        return 0;
      }
    };

    const scheduler = startLocalScheduler(schedules, invoker, { overrideMs: 10, log: () => undefined, runsFile });
    await deadline(
      (async () => {
        while (runsOf() < 3) await new Promise((resolve) => setTimeout(resolve, 5));
      })(),
    );
    await scheduler.stop();

    expect(runsOf()).toBe(invocations);
  });
});

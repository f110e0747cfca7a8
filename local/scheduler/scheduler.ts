import { randomUUID } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { LOCAL_ACCOUNT, LOCAL_REGION, type LocalTemplate } from '../template/resolve';

/**
 * EventBridge schedules, locally: every enabled `AWS::Events::Rule` of the template with a `rate(...)`
 * ScheduleExpression invokes its Lambda targets (the functions' `reelflow:handler` modules) on that interval, with
 * the event EventBridge sends (`Scheduled Event`, or the target's constant `Input`). `cron(...)` rules are listed as
 * skipped. `LOCAL_SCHEDULE_MS` makes every schedule fire at that interval instead. With a `runsFile`, the count of
 * finished runs per rule is written there after each run (`{ "<rule>": <runs> }`), so a test can wait for runs.
 */

/** One rule target the local scheduler invokes. */
export interface LocalSchedule {
  /** `<stack>/<logicalId>` of the rule. */
  rule: string;
  ruleArn: string;
  expression: string;
  /** The rule's interval in ms (`rate(...)`). */
  everyMs: number;
  /** The target function's ARN (as the local Lambda runtime names it). */
  functionArn: string;
  /** The target's constant `Input`, when set; otherwise the scheduled event. */
  input: unknown;
}

/** What the scheduler needs of the local Lambda runtime. */
export interface ScheduleInvoker {
  invoke(functionArn: string, event: unknown): Promise<unknown>;
}

export interface RunningScheduler {
  /** Stops firing and waits for the invocations in flight. */
  stop(): Promise<void>;
}

const RATE_UNITS_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** The interval of an EventBridge `rate(N unit)` expression in ms; undefined for anything else (e.g. cron). */
export function rateMs(expression: string): number | undefined {
  const match = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/.exec(expression.trim());
  if (match === null) return undefined;
  const value = Number(match[1]);
  const unit = match[2]!.replace(/s$/, '');
  // EventBridge: a value of 1 takes the singular unit, larger values the plural.
  if (value < 1 || (value === 1) !== (match[2] === unit)) return undefined;
  return value * RATE_UNITS_MS[unit]!;
}

/**
 * The schedules of the template: one per enabled rule's Lambda target with a `rate(...)` expression.
 * `skipped` describes rules that are not run locally (cron expressions, targets that are not a local function).
 */
export function localSchedules(
  template: LocalTemplate,
  isLocalFunction: (arn: string) => boolean,
): { schedules: LocalSchedule[]; skipped: string[] } {
  const schedules: LocalSchedule[] = [];
  const skipped: string[] = [];
  for (const { stackName, logicalId, resource } of template.resourcesOfType('AWS::Events::Rule')) {
    const props = (template.resolve(stackName, resource.Properties ?? {}) ?? {}) as {
      ScheduleExpression?: string;
      State?: string;
      Targets?: Array<{ Arn?: string; Input?: string }>;
    };
    const rule = `${stackName}/${logicalId}`;
    if (props.ScheduleExpression === undefined || props.State === 'DISABLED') continue;
    const everyMs = rateMs(props.ScheduleExpression);
    if (everyMs === undefined) {
      skipped.push(`${rule}: ${props.ScheduleExpression} (only rate(...) runs locally)`);
      continue;
    }
    for (const target of props.Targets ?? []) {
      if (target.Arn === undefined || !isLocalFunction(target.Arn)) {
        skipped.push(`${rule}: target ${target.Arn ?? '(none)'} is not a local function`);
        continue;
      }
      schedules.push({
        rule,
        ruleArn: `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:rule/${stackName}-${logicalId}`,
        expression: props.ScheduleExpression,
        everyMs,
        functionArn: target.Arn,
        input: target.Input === undefined ? undefined : JSON.parse(target.Input),
      });
    }
  }
  return { schedules, skipped };
}

/** The event EventBridge sends a scheduled rule's target. */
export function scheduledEvent(schedule: Pick<LocalSchedule, 'ruleArn'>, now = new Date()) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: LOCAL_ACCOUNT,
    time: `${now.toISOString().slice(0, 19)}Z`,
    region: LOCAL_REGION,
    resources: [schedule.ruleArn],
    detail: {},
  };
}

/**
 * Fires every schedule on its interval (or every `overrideMs`). A schedule whose previous invocation is still
 * running skips that tick, so one function never runs twice at once locally; errors are logged, not thrown.
 */
export function startLocalScheduler(
  schedules: LocalSchedule[],
  invoker: ScheduleInvoker,
  options: { overrideMs?: number | undefined; log: (line: string) => void; runsFile?: string | undefined },
): RunningScheduler {
  const inFlight = new Set<Promise<unknown>>();
  const finishedRuns: Record<string, number> = Object.fromEntries(schedules.map((schedule) => [schedule.rule, 0]));
  const recordRun = (rule: string) => {
    finishedRuns[rule] = (finishedRuns[rule] ?? 0) + 1;
    if (options.runsFile === undefined) return;
    // Written whole, then renamed: a reader never sees half a file.
    writeFileSync(`${options.runsFile}.tmp`, JSON.stringify(finishedRuns));
    renameSync(`${options.runsFile}.tmp`, options.runsFile);
  };
  const timers = schedules.map((schedule) => {
    let running = false;
    const fire = () => {
      if (running) return;
      running = true;
      const invocation = invoker
        .invoke(schedule.functionArn, schedule.input ?? scheduledEvent(schedule))
        .catch((error: unknown) => {
          options.log(
            `schedule ${schedule.rule}: ${error instanceof Error ? `${error.name}: ${error.message}` : error}`,
          );
        })
        .finally(() => {
          running = false;
          inFlight.delete(invocation);
          recordRun(schedule.rule);
        });
      inFlight.add(invocation);
    };
    return setInterval(fire, options.overrideMs ?? schedule.everyMs);
  });
  return {
    async stop() {
      for (const timer of timers) clearInterval(timer);
      await Promise.allSettled([...inFlight]);
    },
  };
}

import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { installPromiseWithResolvers } from '../../../local/engine/promise-polyfill';
import { scaledWaits, select } from '../../../local/engine/time-scale';

installPromiseWithResolvers();

const definition = {
  StartAt: 'WaitBeforePoll',
  States: {
    WaitBeforePoll: { Type: 'Wait', SecondsPath: '$.job.waitSeconds', Next: 'Settle' },
    Settle: { Type: 'Wait', Seconds: 300, Next: 'Poll' },
    Poll: {
      Type: 'Task',
      Resource: 'arn:aws:lambda:us-east-1:000000000000:function:poll',
      Retry: [
        { ErrorEquals: ['Flaky'], IntervalSeconds: 100, BackoffRate: 2, MaxDelaySeconds: 300, MaxAttempts: 5 },
        { ErrorEquals: ['States.ALL'], IntervalSeconds: 2, JitterStrategy: 'FULL' },
      ],
      End: true,
    },
  },
} as unknown as StateMachineDefinition;

type Scaled = ReturnType<typeof scaledWaits>;

class FakeLogger {
  dispatchStateEnteredEvent(_name: string, _type: string, _input: unknown): void {}
  dispatchStateFailedEvent(_name: string, ..._rest: unknown[]): void {}
}

/** Runs `steps` through a stand-in machine's execute, as the library's run() would, once `attach` hooked it. */
async function throughHook(scale: number, steps: (logger: FakeLogger, scaled: Scaled) => void): Promise<void> {
  const scaled = scaledWaits(definition, scale, () => 0.5);
  const machine = {
    execute: async (_input: unknown, options: { eventLogger: FakeLogger }) => steps(options.eventLogger, scaled),
  };
  scaled.attach(machine as unknown as StateMachine);
  await machine.execute({}, { eventLogger: new FakeLogger() });
}

/** `work`, or a failure once `ms` have passed. */
function withDeadline<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no result within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

describe('local engine time scale', () => {
  it('returns each wait as its own seconds times the scale, read from the input of the state just entered', async () => {
    // Prepare
    const seen: Array<number | undefined> = [];

    // Act
    await throughHook(0.1, (logger, current) => {
      logger.dispatchStateEnteredEvent('WaitBeforePoll', 'Wait', { job: { waitSeconds: 40 } });
      seen.push(current.overrides.waitTimeOverrides?.WaitBeforePoll);
      logger.dispatchStateEnteredEvent('WaitBeforePoll', 'Wait', { job: { waitSeconds: 3 } });
      seen.push(current.overrides.waitTimeOverrides?.WaitBeforePoll);
      logger.dispatchStateEnteredEvent('Settle', 'Wait', {});
      seen.push(current.overrides.waitTimeOverrides?.Settle);
      // A state that is not the one running (e.g. inside a Map branch) keeps its own time.
      seen.push(current.overrides.waitTimeOverrides?.WaitBeforePoll);
    });

    // Assess
    expect(seen).toEqual([4000, 300, 30_000, undefined]);
  });

  it('returns retry pauses growing with the failures of this visit, capped, jittered when the retrier says so', async () => {
    // Prepare
    const seen: unknown[] = [];

    // Act
    await throughHook(0.01, (logger, current) => {
      logger.dispatchStateEnteredEvent('Poll', 'Task', {});
      for (let failure = 0; failure < 3; failure++) {
        logger.dispatchStateFailedEvent('Poll', 'Task', {}, new Error('Flaky'));
        seen.push(current.overrides.retryIntervalOverrides?.Poll);
      }
      logger.dispatchStateEnteredEvent('Poll', 'Task', {});
      logger.dispatchStateFailedEvent('Poll', 'Task', {}, new Error('Flaky'));
      seen.push(current.overrides.retryIntervalOverrides?.Poll);
    });

    // Assess: 100 s, 200 s, 300 s (capped), then a new visit starts at 100 s again; the FULL retrier (2 s × 2ⁿ by
    // default) is halved by the random draw of 0.5.
    expect(seen).toEqual([
      [1000, 10],
      [2000, 20],
      [3000, 40],
      [1000, 10],
    ]);
  });

  it('returns a whole run of the real library shortened by the scale: waits of 1000 s and retries of 100 s', async () => {
    // Prepare
    let attempts = 0;
    const scaled = scaledWaits(definition, 0.000_1);
    const machine = new StateMachine(definition, { validationOptions: { noValidate: true } });
    scaled.attach(machine);

    // Act: unscaled, this run would take 1000 + 300 + 100 + 200 s.
    const execution = machine.run(
      { job: { waitSeconds: 1000 } },
      {
        overrides: {
          ...scaled.overrides,
          taskResourceLocalHandlers: {
            Poll: async () => {
              attempts += 1;
              if (attempts < 3) throw Object.assign(new Error('not yet'), { name: 'Flaky' });
              return { done: true };
            },
          },
        },
      },
    );
    const result = await withDeadline(15_000, execution.result);

    // Assess
    expect(result).toEqual({ done: true });
    expect(attempts).toBe(3);
  });

  it('returns plain JSONPath selections and nothing for paths it cannot read', () => {
    expect(select('$', 5)).toBe(5);
    expect(select('$.job.waitSeconds', { job: { waitSeconds: 7 } })).toBe(7);
    expect(select('$.job.missing.deeper', { job: {} })).toBeUndefined();
    expect(select("$['job']", { job: 1 })).toBeUndefined();
  });
});

import type { RunOptions, StateMachine, StateMachineDefinition } from 'aws-local-stepfunctions';
import { hookStateEvents } from './state-events';

type Overrides = NonNullable<RunOptions['overrides']>;

interface Retrier {
  IntervalSeconds?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
}

interface WaitDefinition {
  Type: string;
  Seconds?: number;
  SecondsPath?: string;
  InputPath?: string | null;
  Retry?: Retrier[];
}

/** One execution's time-scaled waits: the engine's overrides, and the hook that feeds them the state being run. */
export interface ScaledWaits {
  overrides: Pick<Overrides, 'waitTimeOverrides' | 'retryIntervalOverrides'>;
  /** Hooks `machine` (before its `run`) so the overrides know which state runs and with what input. */
  attach(machine: StateMachine): void;
}

/**
 * LOCAL_TIME_SCALE for one execution: every top-level Wait state lasts `scale` × the seconds it would wait
 * (`Seconds`, or `SecondsPath` read from the state's input), and every retry pause `scale` × the retrier's own
 * backoff (IntervalSeconds × BackoffRate^(failures − 1), capped at MaxDelaySeconds, full jitter when the retrier
 * asks for it), so a run shortened tenfold keeps the waits' ratios: the progress-aware poll waits, the emulator's
 * job durations and its rate window all shrink together.
 *
 * aws-local-stepfunctions' overrides are constants per state name, read when the state runs. So the overrides here
 * are computed on that read, from the state the execution just entered (its input) and the failures it had since:
 * both are taken from the event logger that `run()` hands to the machine's `execute`, which `attach` wraps.
 * Not scaled (they wait their unscaled time): `Timestamp`/`TimestampPath` waits, a `SecondsPath` that is not a plain
 * `$.a.b` path, and Wait states inside Map or Parallel branches (their machines are built inside the library).
 */
export function scaledWaits(
  definition: StateMachineDefinition,
  scale: number,
  random: () => number = Math.random,
): ScaledWaits {
  const states = definition.States as unknown as Record<string, WaitDefinition>;
  let current: { name: string; input: unknown; failures: number } | undefined;

  const waitMs = (name: string): number | undefined => {
    const state = states[name];
    if (state?.Type !== 'Wait' || current?.name !== name) return undefined;
    const input = state.InputPath ? select(state.InputPath, current.input) : current.input;
    const seconds = state.SecondsPath ? select(state.SecondsPath, input) : state.Seconds;
    return typeof seconds === 'number' && seconds >= 0 ? Math.round(seconds * 1000 * scale) : undefined;
  };
  const retryMs = (name: string): number[] | undefined => {
    const retriers = states[name]?.Retry;
    if (!retriers || current?.name !== name) return undefined;
    const attempt = Math.max(0, current.failures - 1);
    return retriers.map((retrier) => {
      const backoff = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** attempt;
      const capped = Math.min(backoff, retrier.MaxDelaySeconds ?? Number.POSITIVE_INFINITY);
      const jitter = retrier.JitterStrategy === 'FULL' ? random() : 1;
      return Math.round(capped * jitter * 1000 * scale);
    });
  };

  return {
    overrides: {
      waitTimeOverrides: lookup(waitMs),
      retryIntervalOverrides: lookup(retryMs),
    },
    attach(machine) {
      hookStateEvents(
        machine,
        {
          entered: (name, input) => {
            current = { name, input, failures: 0 };
          },
          failed: (name) => {
            if (current?.name === name) current.failures += 1;
          },
        },
        'LOCAL_TIME_SCALE',
      );
    },
  };
}

/** An object whose every property is computed when read: how the library's constant overrides become per-visit. */
function lookup<T>(compute: (name: string) => T | undefined): Record<string, T> {
  return new Proxy({} as Record<string, T>, {
    get: (_, name) => (typeof name === 'string' ? compute(name) : undefined),
  });
}

/** A plain JSONPath (`$` or `$.a.b`) of `value`; undefined for anything else. */
export function select(path: string, value: unknown): unknown {
  if (path === '$') return value;
  if (!/^\$(\.[A-Za-z_][\w-]*)+$/.test(path)) return undefined;
  let node = value;
  for (const key of path.slice(2).split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

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
 * LOCAL_TIME_SCALE for one execution: overrides that make every top-level Wait state last `scale` × its seconds and
 * every retry pause `scale` × the retrier's own backoff, computed when the library reads them from the state just
 * entered (hence {@link ScaledWaits.attach}). How, and what is not scaled: local/README.md, "Configuration"
 * (`LOCAL_TIME_SCALE`).
 * @param random a number in [0, 1) for the retriers' jitter, injectable for tests
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

import { randomBytes } from 'node:crypto';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { StepFunctionsApiError } from './api-error';
import { select } from './time-scale';

/** The Resource suffix of a Task that waits for SendTaskSuccess/SendTaskFailure (the callback pattern). */
export const WAIT_FOR_TASK_TOKEN = '.waitForTaskToken';

/**
 * aws-local-stepfunctions bounds every Task by its TimeoutSeconds (60 s by default). A task waiting for its token has
 * no bound unless it sets one, so the engine lets it wait as long as a timer can (2^31 − 1 ms, about 24.8 days).
 */
const UNBOUNDED_SECONDS = 2_147_483;

/** Tokens remembered after they closed, to tell a reused one (TaskDoesNotExist) from one that timed out. */
const CLOSED_TOKENS_KEPT = 10_000;

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{64}$/;

interface Waiter {
  executionArn: string;
  stateName: string;
  resolve(output: unknown): void;
  reject(error: Error): void;
  heartbeatMs?: number;
  heartbeatTimer?: NodeJS.Timeout;
}

/** How one token state bounds its wait: seconds from the definition, or read from the state's input. */
interface TokenStateTimes {
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  HeartbeatSeconds?: number;
  HeartbeatSecondsPath?: string;
}

/**
 * The task tokens of the local engine. aws-local-stepfunctions has no callback pattern: the engine issues a token when
 * a `.waitForTaskToken` state's Parameters read `$$.Task.Token`, the state's local handler waits on it, and the Step
 * Functions endpoint settles it (SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat). Tokens live in memory: a
 * restart re-runs the waiting state, which issues a new token (the old one is then unknown).
 */
export class TaskTokens {
  private readonly waiting = new Map<string, Waiter>();
  private readonly closed = new Map<string, 'settled' | 'timed-out'>();

  /**
   * One execution's `$$.Task` context object: reading its `Token` issues a token (one per attempt of a state: the
   * state's handler claims it, so a retry reads a new one, as in AWS).
   */
  executionContext(): { task: { Token: string }; claim(): string | undefined } {
    let pending: string | undefined;
    const task = {} as { Token: string };
    // An own enumerable property: the library's JSONPath reads `$$.Task.Token` only from own properties.
    Object.defineProperty(task, 'Token', {
      enumerable: true,
      get: () => {
        pending ??= randomBytes(48).toString('base64url');
        return pending;
      },
    });
    return {
      task,
      claim: () => {
        const token = pending;
        pending = undefined;
        return token;
      },
    };
  }

  /**
   * Waits for `token` to be settled: resolves with SendTaskSuccess's output, rejects with SendTaskFailure's error, or
   * with `States.HeartbeatTimeout` when `heartbeatMs` pass without a heartbeat.
   */
  wait(token: string, owner: { executionArn: string; stateName: string; heartbeatMs?: number }): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { ...owner, resolve, reject };
      this.waiting.set(token, waiter);
      this.armHeartbeat(token, waiter);
    });
  }

  /** SendTaskSuccess: the waiting task succeeds with `output` (JSON text). */
  succeed(token: unknown, output: unknown): void {
    let value: unknown;
    try {
      value = JSON.parse(String(output ?? ''));
    } catch {
      throw new StepFunctionsApiError('InvalidOutput', 'Invalid Output: not JSON');
    }
    this.take(token).resolve(value);
    this.close(String(token), 'settled');
  }

  /** SendTaskFailure: the waiting task fails with `error`/`cause` (its Retry and Catch apply). */
  fail(token: unknown, error: unknown, cause: unknown): void {
    if (typeof error === 'string' && error.length > 256) {
      throw new StepFunctionsApiError('ValidationException', 'error: Member must have length <= 256');
    }
    const failure = new Error(typeof cause === 'string' ? cause : '');
    failure.name = typeof error === 'string' ? error : '';
    this.take(token).reject(failure);
    this.close(String(token), 'settled');
  }

  /** SendTaskHeartbeat: the task's HeartbeatSeconds start again. */
  heartbeat(token: unknown): void {
    this.armHeartbeat(String(token), this.find(token));
  }

  /** Drops every token `executionArn` waits on in `stateName` (or in any state): later calls get TaskTimedOut. */
  expire(executionArn: string, stateName?: string): void {
    for (const [token, waiter] of this.waiting) {
      if (waiter.executionArn === executionArn && (stateName === undefined || waiter.stateName === stateName)) {
        this.close(token, 'timed-out');
      }
    }
  }

  private find(token: unknown): Waiter {
    if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) {
      throw new StepFunctionsApiError('InvalidToken', "Invalid Token: 'Invalid token'");
    }
    const waiter = this.waiting.get(token);
    if (waiter) return waiter;
    if (this.closed.get(token) === 'timed-out') {
      throw new StepFunctionsApiError('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'");
    }
    throw new StepFunctionsApiError('TaskDoesNotExist', 'Task Does Not Exist');
  }

  private take(token: unknown): Waiter {
    const waiter = this.find(token);
    clearTimeout(waiter.heartbeatTimer);
    return waiter;
  }

  private close(token: string, how: 'settled' | 'timed-out'): void {
    const waiter = this.waiting.get(token);
    if (waiter) clearTimeout(waiter.heartbeatTimer);
    this.waiting.delete(token);
    this.closed.set(token, how);
    if (this.closed.size > CLOSED_TOKENS_KEPT) {
      const oldest = this.closed.keys().next().value;
      if (oldest !== undefined) this.closed.delete(oldest);
    }
  }

  private armHeartbeat(token: string, waiter: Waiter): void {
    clearTimeout(waiter.heartbeatTimer);
    if (waiter.heartbeatMs === undefined) return;
    waiter.heartbeatTimer = setTimeout(() => {
      const error = new Error('The task did not send a heartbeat within its HeartbeatSeconds');
      error.name = 'States.HeartbeatTimeout';
      this.close(token, 'timed-out');
      waiter.reject(error);
    }, waiter.heartbeatMs);
  }
}

/**
 * The definition a run uses when it has `.waitForTaskToken` states, and the per-visit times of those states.
 * aws-local-stepfunctions reads a Task's TimeoutSeconds when the state runs and throws its own `States.Timeout`
 * (catchable, and not matched by `States.TaskFailed`, as in AWS), so the run gets its own copy of the definition and
 * `entered` rewrites the state's TimeoutSeconds for each visit: the state's seconds (or TimeoutSecondsPath read from
 * its input) × `scale` (LOCAL_TIME_SCALE), or unbounded when it sets none. HeartbeatSeconds the library ignores: the
 * engine enforces it on the token (`heartbeatMs`), and a Retry/Catch naming `States.Timeout` also matches
 * `States.HeartbeatTimeout` (in AWS a missed heartbeat is a timeout).
 */
export function tokenStates(
  definition: StateMachineDefinition,
  scale: number,
): {
  definition: StateMachineDefinition;
  entered(stateName: string, input: unknown): void;
  heartbeatMs(stateName: string): number | undefined;
} {
  const original = definition.States as unknown as Record<string, TokenStateTimes & Record<string, unknown>>;
  const names = Object.keys(original).filter(
    (name) => original[name]?.Type === 'Task' && String(original[name]?.Resource).endsWith(WAIT_FOR_TASK_TOKEN),
  );
  if (names.length === 0) return { definition, entered: () => {}, heartbeatMs: () => undefined };
  const copy = structuredClone(definition);
  const states = copy.States as unknown as Record<string, Record<string, unknown>>;
  const heartbeats = new Map<string, number>();
  for (const name of names) {
    const state = states[name] as Record<string, unknown>;
    delete state.TimeoutSecondsPath;
    delete state.HeartbeatSecondsPath;
    state.TimeoutSeconds = UNBOUNDED_SECONDS;
    for (const rule of [
      ...((state.Retry as Array<{ ErrorEquals: string[] }>) ?? []),
      ...((state.Catch as Array<{ ErrorEquals: string[] }>) ?? []),
    ]) {
      if (rule.ErrorEquals.includes('States.Timeout')) rule.ErrorEquals.push('States.HeartbeatTimeout');
    }
  }
  const seconds = (fixed: number | undefined, path: string | undefined, input: unknown) => {
    const value = path ? select(path, input) : fixed;
    return typeof value === 'number' && value > 0 ? value : undefined;
  };
  return {
    definition: copy,
    entered(stateName, input) {
      const times = original[stateName];
      const state = states[stateName];
      if (!times || !state || !names.includes(stateName)) return;
      const timeout = seconds(times.TimeoutSeconds, times.TimeoutSecondsPath, input);
      state.TimeoutSeconds = timeout === undefined ? UNBOUNDED_SECONDS : Math.min(timeout * scale, UNBOUNDED_SECONDS);
      const heartbeat = seconds(times.HeartbeatSeconds, times.HeartbeatSecondsPath, input);
      if (heartbeat === undefined) heartbeats.delete(stateName);
      else heartbeats.set(stateName, Math.round(heartbeat * scale * 1000));
    },
    heartbeatMs: (stateName) => heartbeats.get(stateName),
  };
}

import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  type RunOptions,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import type { FaultDecider } from '../aws-faults/decider';
import type { LambdaRuntime } from '../lambda/runtime';
import { StepFunctionsApiError } from './api-error';
import type { LocalStateMachine } from './definition';
import { type ExecutionRecord, type ExecutionStatus, ExecutionStore } from './execution-store';
import { HistoryBuilder, type LibraryEvent, taskResources } from './history';
import { installPromiseWithResolvers } from './promise-polyfill';
import { hookStateEvents } from './state-events';
import { taskHandlers } from './task-handlers';
import { TaskTokens, tokenStates } from './task-tokens';
import { type ScaledWaits, scaledWaits } from './time-scale';

export { StepFunctionsApiError };

export interface LocalEngineOptions {
  machines: LocalStateMachine[];
  runtime: LambdaRuntime;
  dataDir: string;
  /** When set, every Wait state and every retry pause lasts this many ms. */
  localWaitMs?: number;
  /**
   * When set (and `localWaitMs` is not), every Wait state and retry pause lasts this times its own time
   * (LOCAL_TIME_SCALE, time-scale.ts), so the waits keep their ratios.
   */
  timeScale?: number;
  /**
   * Test aid: how many times each Task's function is invoked in a row with the same input (the last result is the
   * task's result; an error ends the repetition). Checks that every step is idempotent.
   * @default 1
   */
  taskRepeat?: number;
  /**
   * The AWS fault layer's Lambda decider (`LOCAL_AWS_FAULTS`): a Task's invoke fails as Lambda's Invoke API can
   * (`Lambda.ServiceException`, `Lambda.TooManyRequestsException`), or with `Sandbox.Timedout` before the handler
   * ran or after it ran to the end. Unset: no faults.
   */
  lambdaFaults?: FaultDecider<'lambda'>;
}

type JsonInput = Parameters<StateMachine['run']>[0];

interface RunningExecution {
  abort: () => void;
  stopRequested?: { error?: string; cause?: string };
  done: Promise<void>;
}

/** Why an execution that was running when the stack stopped cannot be resumed (its state machine is gone). */
export const INTERRUPTED_ERROR = 'Local.StackRestarted';

/**
 * The local Step Functions: runs the synthesized definitions with aws-local-stepfunctions, each Task with the same
 * handler module the Lambda runs, and keeps every execution (status, input, output, error, history) on disk.
 */
export class LocalStepFunctionsEngine {
  private readonly machines = new Map<string, LocalStateMachine>();
  private readonly executions = new Map<string, ExecutionRecord>();
  private readonly running = new Map<string, RunningExecution>();
  /** RedriveExecution's client tokens per execution, the last 10 (kept in memory only). */
  private readonly redriveTokens = new Map<string, string[]>();
  private readonly store: ExecutionStore;
  private readonly dynamodb = new DynamoDBClient({});
  /** The callback pattern's tokens (`.waitForTaskToken` states), settled through SendTask* on the endpoint. */
  private readonly tokens = new TaskTokens();
  private closing = false;

  constructor(private readonly options: LocalEngineOptions) {
    installPromiseWithResolvers();
    for (const machine of options.machines) {
      // Validates the definition once, at start-up (the library's ASL validator).
      new StateMachine(machine.definition);
      this.machines.set(machine.arn, machine);
    }
    this.store = new ExecutionStore(options.dataDir);
  }

  /**
   * Loads the persisted executions and resumes those that were RUNNING when the stack stopped: each restarts at the
   * last state it entered, with that state's input (a Task in flight runs again, as a retried Lambda would), within
   * what is left of its TimeoutSeconds. An execution whose state machine is gone is closed as FAILED.
   */
  async open(): Promise<void> {
    for (const record of await this.store.loadAll()) {
      this.executions.set(record.executionArn, record);
      if (record.status === 'RUNNING') await this.resume(record);
    }
  }

  /** StartExecution: a new execution, or the running one with the same name and input (as AWS does). */
  startExecution(request: { stateMachineArn?: string; name?: string; input?: string }): ExecutionRecord {
    const machine = this.machines.get(request.stateMachineArn ?? '');
    if (!machine)
      throw new StepFunctionsApiError(
        'StateMachineDoesNotExist',
        `State Machine Does Not Exist: '${request.stateMachineArn}'`,
      );
    const name = request.name ?? randomUUID();
    if (!/^[^\s<>{}[\]?*"#%\\^|~`$&,;:/]{1,80}$/.test(name)) {
      throw new StepFunctionsApiError('InvalidName', `Invalid Name: '${name}'`);
    }
    const inputText = request.input ?? '{}';
    let input: JsonInput;
    try {
      input = JSON.parse(inputText) as JsonInput;
    } catch {
      throw new StepFunctionsApiError('InvalidExecutionInput', 'Invalid State Machine Execution Input: not JSON');
    }
    const executionArn = `${machine.arn.replace(':stateMachine:', ':execution:')}:${name}`;
    const existing = this.executions.get(executionArn);
    if (existing) {
      if (existing.status === 'RUNNING' && isDeepStrictEqual(JSON.parse(existing.input), input)) return existing;
      throw new StepFunctionsApiError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const record: ExecutionRecord = {
      executionArn,
      stateMachineArn: machine.arn,
      name,
      status: 'RUNNING',
      startDate: Date.now(),
      input: JSON.stringify(input),
      events: [],
    };
    this.executions.set(executionArn, record);
    void this.store.save(record);
    this.run(machine, record, input);
    return record;
  }

  describeExecution(executionArn: string | undefined): ExecutionRecord {
    const record = this.executions.get(executionArn ?? '');
    if (!record)
      throw new StepFunctionsApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return record;
  }

  /** StopExecution: aborts a running execution (status ABORTED); a closed one is left as it is. */
  async stopExecution(request: { executionArn?: string; error?: string; cause?: string }): Promise<ExecutionRecord> {
    const record = this.describeExecution(request.executionArn);
    const running = this.running.get(record.executionArn);
    if (running && record.status === 'RUNNING') {
      running.stopRequested = { error: request.error, cause: request.cause };
      running.abort();
      await running.done;
    }
    return record;
  }

  listExecutions(stateMachineArn: string | undefined, statusFilter?: ExecutionStatus): ExecutionRecord[] {
    if (!this.machines.has(stateMachineArn ?? '')) {
      throw new StepFunctionsApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    }
    return [...this.executions.values()]
      .filter(
        (record) => record.stateMachineArn === stateMachineArn && (!statusFilter || record.status === statusFilter),
      )
      .sort((a, b) => b.startDate - a.startDate);
  }

  stateMachine(arn: string | undefined): LocalStateMachine {
    const machine = this.machines.get(arn ?? '');
    if (!machine) throw new StepFunctionsApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return machine;
  }

  /** Stops running every execution without closing it (it is closed on the next start) and flushes the store. */
  async shutdown(): Promise<void> {
    this.closing = true;
    for (const running of this.running.values()) running.abort();
    await Promise.allSettled([...this.running.values()].map((running) => running.done));
    await this.store.flush();
    this.dynamodb.destroy();
  }

  /** SendTaskSuccess: the `.waitForTaskToken` task holding `taskToken` succeeds with `output` (JSON text). */
  sendTaskSuccess(request: { taskToken?: unknown; output?: unknown }): void {
    this.tokens.succeed(request.taskToken, request.output);
  }

  /** SendTaskFailure: the task holding `taskToken` fails with `error`/`cause` (its Retry and Catch apply). */
  sendTaskFailure(request: { taskToken?: unknown; error?: unknown; cause?: unknown }): void {
    this.tokens.fail(request.taskToken, request.error, request.cause);
  }

  /** SendTaskHeartbeat: the task's HeartbeatSeconds start again. */
  sendTaskHeartbeat(request: { taskToken?: unknown }): void {
    this.tokens.heartbeat(request.taskToken);
  }

  /**
   * RedriveExecution (AWS semantics for a flat state machine): a FAILED, TIMED_OUT or ABORTED execution continues
   * from the state it ended in, with that state's input; RUNNING or SUCCEEDED is `ExecutionNotRedrivable`; a
   * `clientToken` used before answers the same redrive. The details AWS's and this share: local/README.md, "The
   * operator view".
   */
  redriveExecution(request: { executionArn?: string; clientToken?: string }): ExecutionRecord {
    const record = this.describeExecution(request.executionArn);
    const tokens = this.redriveTokens.get(record.executionArn) ?? [];
    if (request.clientToken !== undefined && tokens.includes(request.clientToken)) return record;
    if (record.status === 'RUNNING' || record.status === 'SUCCEEDED') {
      throw new StepFunctionsApiError('ExecutionNotRedrivable', `Execution is ${record.status} and cannot be redriven`);
    }
    const machine = this.machines.get(record.stateMachineArn);
    if (!machine) throw new StepFunctionsApiError('ExecutionNotRedrivable', 'State machine no longer exists');
    const entered = lastEnteredState(record, machine);
    const now = Date.now();
    record.status = 'RUNNING';
    record.redriveCount = (record.redriveCount ?? 0) + 1;
    record.redriveDate = now;
    delete record.stopDate;
    delete record.error;
    delete record.cause;
    const history = new HistoryBuilder(record.events, taskResources(machine.definition));
    history.redriven(now, record.redriveCount);
    if (request.clientToken !== undefined)
      this.redriveTokens.set(record.executionArn, [...tokens, request.clientToken].slice(-10));
    void this.store.save(record);
    const definition: StateMachineDefinition = {
      ...machine.definition,
      StartAt: entered?.name ?? machine.definition.StartAt,
    };
    this.run(machine, record, JSON.parse(entered?.input ?? record.input) as JsonInput, { definition, history });
    return record;
  }

  private async resume(record: ExecutionRecord): Promise<void> {
    const machine = this.machines.get(record.stateMachineArn);
    const history = new HistoryBuilder(record.events, machine ? taskResources(machine.definition) : new Map());
    const entered = machine ? lastEnteredState(record, machine) : undefined;
    if (!machine) {
      const cause = 'The local stack stopped while this execution was running and its state machine no longer exists';
      this.close(record, 'FAILED', { error: INTERRUPTED_ERROR, cause });
      history.end(Date.now(), 'ExecutionFailed', INTERRUPTED_ERROR, cause);
      await this.store.save(record);
      return;
    }
    const timeout = machine.definition.TimeoutSeconds;
    const remainingSeconds = timeout === undefined ? undefined : timeout - (Date.now() - record.startDate) / 1000;
    if (remainingSeconds !== undefined && remainingSeconds <= 0) {
      this.close(record, 'TIMED_OUT', {
        error: 'States.Timeout',
        cause: 'The execution ran longer than its TimeoutSeconds',
      });
      history.end(Date.now(), 'ExecutionTimedOut', record.error, record.cause);
      await this.store.save(record);
      return;
    }
    const startAt = entered?.name ?? machine.definition.StartAt;
    history.resumed(Date.now(), startAt);
    const definition: StateMachineDefinition = {
      ...machine.definition,
      StartAt: startAt,
      ...(remainingSeconds === undefined ? {} : { TimeoutSeconds: Math.max(1, Math.ceil(remainingSeconds)) }),
    };
    const input = JSON.parse(entered?.input ?? record.input) as JsonInput;
    this.run(machine, record, input, { definition, history });
  }

  private run(
    machine: LocalStateMachine,
    record: ExecutionRecord,
    input: JsonInput,
    /** A resumed or redriven run: it starts at another state, and its history goes on from the events kept. */
    resumed?: { definition: StateMachineDefinition; history: HistoryBuilder },
  ): void {
    const scale = this.options.localWaitMs === undefined ? this.options.timeScale : undefined;
    const waits = tokenStates(resumed?.definition ?? machine.definition, scale ?? 1);
    const definition = waits.definition;
    const stateMachine = new StateMachine(definition, {
      validationOptions: { noValidate: true },
    });
    const scaled = scale === undefined ? undefined : scaledWaits(definition, scale);
    scaled?.attach(stateMachine);
    const tokens = this.tokens.executionContext();
    hookStateEvents(
      stateMachine,
      // A failed attempt (its own TimeoutSeconds included) leaves its token behind: later SendTask* get TaskTimedOut.
      { entered: waits.entered, failed: (name) => this.tokens.expire(record.executionArn, name) },
      'task tokens',
    );
    const handlers = taskHandlers(
      machine,
      { ...this.options, dynamodb: this.dynamodb, tokens: this.tokens },
      { executionArn: record.executionArn, claim: tokens.claim, heartbeatMs: waits.heartbeatMs },
    );
    const execution = stateMachine.run(input, {
      overrides: this.overrides(machine, handlers, scaled),
      context: {
        Execution: { Id: record.executionArn, Name: record.name, RoleArn: 'arn:aws:iam::000000000000:role/local' },
        StateMachine: { Id: machine.arn, Name: machine.name },
        Task: tokens.task,
      },
    } as RunOptions);
    const history = resumed?.history ?? new HistoryBuilder(record.events, taskResources(machine.definition));
    const events = (async () => {
      for await (const event of execution.eventLogs) {
        // A resumed or redriven run starts again: its ExecutionStarted is not a second start of the execution.
        if (resumed && event.type === 'ExecutionStarted') continue;
        if (history.add(event as LibraryEvent) > 0) void this.store.save(record);
      }
    })();
    const running: RunningExecution = { abort: execution.abort, done: Promise.resolve() };
    running.done = Promise.allSettled([execution.result, events]).then(async ([result]) => {
      this.running.delete(record.executionArn);
      this.tokens.expire(record.executionArn);
      if (this.closing && !running.stopRequested) return;
      this.finish(record, history, result, running.stopRequested);
      await this.store.save(record);
    });
    this.running.set(record.executionArn, running);
  }

  private finish(
    record: ExecutionRecord,
    history: HistoryBuilder,
    result: PromiseSettledResult<unknown>,
    stopRequested: RunningExecution['stopRequested'],
  ): void {
    const now = Date.now();
    if (result.status === 'fulfilled') {
      this.close(record, 'SUCCEEDED', { output: JSON.stringify(result.value) });
      return;
    }
    const reason = result.reason as Error;
    if (reason instanceof ExecutionAbortedError) {
      this.close(record, 'ABORTED', stopRequested ?? {});
      history.end(now, 'ExecutionAborted', stopRequested?.error, stopRequested?.cause);
    } else if (reason instanceof ExecutionTimeoutError) {
      this.close(record, 'TIMED_OUT', {
        error: 'States.Timeout',
        cause: 'The execution ran longer than its TimeoutSeconds',
      });
      history.end(now, 'ExecutionTimedOut', 'States.Timeout', record.cause);
    } else {
      // ExecutionError wraps the state's error: name = Error (a Fail state's Error/ErrorPath), message = Cause.
      const failure = reason instanceof ExecutionError && reason.cause instanceof Error ? reason.cause : reason;
      this.close(record, 'FAILED', { error: failure.name, cause: failure.message });
      history.end(now, 'ExecutionFailed', record.error, record.cause);
    }
  }

  private close(
    record: ExecutionRecord,
    status: ExecutionStatus,
    fields: { output?: string; error?: string; cause?: string },
  ): void {
    record.status = status;
    record.stopDate = Date.now();
    if (fields.output !== undefined) record.output = fields.output;
    if (fields.error !== undefined) record.error = fields.error;
    if (fields.cause !== undefined) record.cause = fields.cause;
  }

  private overrides(
    machine: LocalStateMachine,
    handlers: ReturnType<typeof taskHandlers>,
    scaled?: ScaledWaits,
  ): NonNullable<RunOptions['overrides']> {
    const waitMs = this.options.localWaitMs;
    return {
      taskResourceLocalHandlers: handlers,
      ...scaled?.overrides,
      ...(waitMs === undefined
        ? {}
        : {
            waitTimeOverrides: Object.fromEntries(machine.waitStates.map((name) => [name, waitMs])),
            retryIntervalOverrides: Object.fromEntries(machine.retryingStates.map((name) => [name, waitMs])),
          }),
    } as NonNullable<RunOptions['overrides']>;
  }
}

/**
 * The last top-level state the execution entered, with the input it was given: where a resumed or redriven run
 * starts again. Undefined when no state was entered yet.
 */
function lastEnteredState(
  record: ExecutionRecord,
  machine: LocalStateMachine,
): { name: string; input: string } | undefined {
  const topLevel = machine.definition.States;
  return record.events.findLast(
    (event) =>
      event.type.endsWith('StateEntered') && (event.stateEnteredEventDetails as { name: string }).name in topLevel,
  )?.stateEnteredEventDetails as { name: string; input: string } | undefined;
}

export type { StateMachineDefinition };

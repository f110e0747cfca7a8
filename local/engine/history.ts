import type { StateMachineDefinition } from 'aws-local-stepfunctions';

/** One event of an execution's history, shaped like Step Functions' `HistoryEvent` (timestamp in epoch ms). */
export interface HistoryEventRecord {
  id: number;
  previousEventId: number;
  timestamp: number;
  type: string;
  [details: string]: unknown;
}

/** The library's event log entries the engine reads (a structural subset of its `EventLog` union). */
export interface LibraryEvent {
  type: string;
  timestamp: number;
  input?: unknown;
  output?: unknown;
  Error?: string;
  Cause?: unknown;
  state?: { name: string; type: string; input?: unknown; output?: unknown };
  index?: number;
  retry?: { attempt: number };
}

/**
 * Turns the library's event log into Step Functions history events, one by one: the local operator view
 * (states entered and exited in order, task failures, retries, the execution's end with Error/Cause).
 */
export class HistoryBuilder {
  private readonly caught = new Set<string>();

  constructor(
    private readonly events: HistoryEventRecord[],
    private readonly resources: Map<string, string>,
  ) {}

  /** Appends the history events for one library event; returns how many were added. */
  add(event: LibraryEvent): number {
    const before = this.events.length;
    const state = event.state;
    switch (event.type) {
      case 'ExecutionStarted':
        this.push(event.timestamp, 'ExecutionStarted', {
          executionStartedEventDetails: { input: json(event.input), inputDetails: { truncated: false } },
        });
        break;
      case 'ExecutionSucceeded':
        this.push(event.timestamp, 'ExecutionSucceeded', {
          executionSucceededEventDetails: { output: json(event.output), outputDetails: { truncated: false } },
        });
        break;
      case 'ExecutionFailed':
        // The engine records the execution's end itself (it knows the Error/Cause of a Fail state).
        break;
      case 'StateEntered':
        if (state) {
          this.push(event.timestamp, `${state.type}StateEntered`, {
            stateEnteredEventDetails: {
              name: state.name,
              input: json(state.input),
              inputDetails: { truncated: false },
            },
          });
          if (state.type === 'Task') this.taskScheduled(event.timestamp, state.name, state.input);
        }
        break;
      case 'StateExited':
        if (state) {
          if (state.type === 'Task' && !this.caught.delete(state.name))
            this.taskSucceeded(event.timestamp, state.name, state.output);
          this.push(event.timestamp, `${state.type}StateExited`, {
            stateExitedEventDetails: {
              name: state.name,
              output: json(state.output),
              outputDetails: { truncated: false },
            },
          });
        }
        break;
      case 'StateFailed':
        if (state?.type === 'Task') {
          const details = { error: event.Error, cause: causeText(event.Cause) };
          if (this.isFunction(state.name))
            this.push(event.timestamp, 'LambdaFunctionFailed', { lambdaFunctionFailedEventDetails: details });
          else
            this.push(event.timestamp, 'TaskFailed', {
              taskFailedEventDetails: { ...details, ...this.resource(state.name) },
            });
        }
        break;
      case 'StateRetried':
        // Step Functions has no event for a retry (it schedules the task again); the local view keeps it explicit.
        if (state)
          this.push(event.timestamp, 'StateRetried', {
            stateRetriedEventDetails: { name: state.name, attempt: event.retry?.attempt },
          });
        break;
      case 'StateCaught':
        // The state exits next, with the catcher's output: its task did not succeed.
        if (state) this.caught.add(state.name);
        break;
      default:
        break;
    }
    return this.events.length - before;
  }

  /**
   * Marks where the local engine resumed an execution interrupted by a stop of the local stack (local only: an
   * execution in AWS is never interrupted), re-entering `stateName`.
   */
  resumed(timestamp: number, stateName: string): void {
    this.push(timestamp, 'LocalExecutionResumed', { localExecutionResumedEventDetails: { name: stateName } });
  }

  /**
   * Marks a RedriveExecution as Step Functions does (`ExecutionRedriven` with the redrive count); the states that
   * follow are the re-run of the unsuccessful state and what comes after it.
   */
  redriven(timestamp: number, redriveCount: number): void {
    this.push(timestamp, 'ExecutionRedriven', { executionRedrivenEventDetails: { redriveCount } });
  }

  /** Appends the execution's end: ExecutionFailed, ExecutionAborted or ExecutionTimedOut. */
  end(
    timestamp: number,
    type: 'ExecutionFailed' | 'ExecutionAborted' | 'ExecutionTimedOut',
    error?: string,
    cause?: string,
  ): void {
    const key = {
      ExecutionFailed: 'executionFailedEventDetails',
      ExecutionAborted: 'executionAbortedEventDetails',
      ExecutionTimedOut: 'executionTimedOutEventDetails',
    }[type];
    this.push(timestamp, type, { [key]: { error, cause } });
  }

  private taskScheduled(timestamp: number, stateName: string, input: unknown): void {
    if (this.isFunction(stateName)) {
      this.push(timestamp, 'LambdaFunctionScheduled', {
        lambdaFunctionScheduledEventDetails: { resource: this.resources.get(stateName), input: json(input) },
      });
      this.push(timestamp, 'LambdaFunctionStarted', {});
    } else {
      this.push(timestamp, 'TaskScheduled', {
        taskScheduledEventDetails: { ...this.resource(stateName), parameters: json(input) },
      });
    }
  }

  private taskSucceeded(timestamp: number, stateName: string, output: unknown): void {
    if (this.isFunction(stateName)) {
      this.push(timestamp, 'LambdaFunctionSucceeded', {
        lambdaFunctionSucceededEventDetails: { output: json(output) },
      });
    } else {
      this.push(timestamp, 'TaskSucceeded', {
        taskSucceededEventDetails: { ...this.resource(stateName), output: json(output) },
      });
    }
  }

  private isFunction(stateName: string): boolean {
    return (this.resources.get(stateName) ?? '').startsWith('arn:aws:lambda:');
  }

  private resource(stateName: string): { resourceType: string; resource: string } {
    const arn = this.resources.get(stateName) ?? '';
    const [, service = 'unknown', action = ''] = /^arn:aws:states:::([^:]+):(.+)$/.exec(arn) ?? [];
    return { resourceType: service, resource: action };
  }

  private push(timestamp: number, type: string, details: Record<string, unknown>): void {
    const id = this.events.length + 1;
    this.events.push({ id, previousEventId: id - 1, timestamp, type, ...details });
  }
}

/** State name → the Task's Resource, for every Task of a definition (nested ones included). */
export function taskResources(definition: StateMachineDefinition): Map<string, string> {
  const resources = new Map<string, string>();
  const visit = (states: Record<string, Record<string, unknown>>) => {
    for (const [name, state] of Object.entries(states)) {
      if (state.Type === 'Task') resources.set(name, String(state.Resource));
      for (const branch of (state.Branches as Array<{ States: Record<string, Record<string, unknown>> }>) ?? [])
        visit(branch.States);
      const processor = (state.ItemProcessor ?? state.Iterator) as
        | { States: Record<string, Record<string, unknown>> }
        | undefined;
      if (processor) visit(processor.States);
    }
  };
  visit(definition.States as unknown as Record<string, Record<string, unknown>>);
  return resources;
}

function json(value: unknown): string {
  return JSON.stringify(value ?? null);
}

function causeText(cause: unknown): string {
  return typeof cause === 'string' ? cause : JSON.stringify(cause);
}

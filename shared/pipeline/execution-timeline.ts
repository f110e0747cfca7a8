/*
 * An execution's history (Step Functions' GetExecutionHistory events, oldest first) as a timeline an operator reads:
 * each state visit in order with when it started and ended, how many attempts its task took and the error it ended
 * with. A state entered twice (the poll loop, a redrive) is two visits. Pure: no AWS call, so recorded histories test it.
 */

/** The fields of a history event the timeline reads (a structural subset of the SDK's `HistoryEvent`). */
export interface TimelineEvent {
  type?: string;
  timestamp?: Date;
  stateEnteredEventDetails?: { name?: string };
  stateExitedEventDetails?: { name?: string };
}

/** How a state visit ended. */
export type StateOutcome = 'running' | 'succeeded' | 'failed' | 'stopped';

/** One visit of one state. */
export interface StateVisit {
  name: string;
  /** The ASL state type as the history names it: `Task`, `Wait`, `Choice`, `Fail`, ... */
  type: string;
  /** Epoch ms. */
  startedAt: number;
  /** Epoch ms; null while the state runs. */
  endedAt: number | null;
  /** Task attempts scheduled (1 + retries); 0 for states that run no task. */
  attempts: number;
  /** Retries the state's Retry made. */
  retries: number;
  outcome: StateOutcome;
  /** The last error the state saw (a retried attempt's, a caught failure's, or the execution's end in it). */
  error: { error: string; cause: string } | null;
}

/** The longest `cause` kept: Lambda causes carry stack traces, and an operator needs their start. */
export const MAX_CAUSE_CHARS = 4_000;

const SCHEDULED = new Set(['LambdaFunctionScheduled', 'TaskScheduled', 'ActivityScheduled']);

/** Failure events of a task attempt, and the key of their details. */
const TASK_FAILURES: Record<string, string> = {
  LambdaFunctionFailed: 'lambdaFunctionFailedEventDetails',
  LambdaFunctionTimedOut: 'lambdaFunctionTimedOutEventDetails',
  LambdaFunctionScheduleFailed: 'lambdaFunctionScheduleFailedEventDetails',
  LambdaFunctionStartFailed: 'lambdaFunctionStartFailedEventDetails',
  TaskFailed: 'taskFailedEventDetails',
  TaskTimedOut: 'taskTimedOutEventDetails',
  TaskStartFailed: 'taskStartFailedEventDetails',
  TaskSubmitFailed: 'taskSubmitFailedEventDetails',
  ActivityFailed: 'activityFailedEventDetails',
  ActivityTimedOut: 'activityTimedOutEventDetails',
};

/** Events that end an execution attempt (a redrive may start another), and the key of their details. */
const EXECUTION_ENDS: Record<string, string> = {
  ExecutionFailed: 'executionFailedEventDetails',
  ExecutionTimedOut: 'executionTimedOutEventDetails',
  ExecutionAborted: 'executionAbortedEventDetails',
  ExecutionSucceeded: 'executionSucceededEventDetails',
};

interface OpenVisit extends StateVisit {
  /** Retries the local engine marks explicitly (`StateRetried`; Step Functions shows them as a new Scheduled). */
  markedRetries: number;
  /** True when the last attempt ended in a failure (no success after it). */
  lastAttemptFailed: boolean;
}

/** The state visits of a history, in the order they were entered. */
export function executionTimeline(events: readonly TimelineEvent[]): StateVisit[] {
  const visits: OpenVisit[] = [];
  let current: OpenVisit | undefined;
  for (const event of events) {
    const type = event.type ?? '';
    const at = event.timestamp?.getTime() ?? 0;
    if (type.endsWith('StateEntered')) {
      current = {
        name: event.stateEnteredEventDetails?.name ?? '',
        type: type.slice(0, -'StateEntered'.length),
        startedAt: at,
        endedAt: null,
        attempts: 0,
        retries: 0,
        outcome: 'running',
        error: null,
        markedRetries: 0,
        lastAttemptFailed: false,
      };
      visits.push(current);
    } else if (current === undefined) {
      // Events before the first state (ExecutionStarted) describe no state.
    } else if (SCHEDULED.has(type)) {
      current.attempts += 1;
      current.lastAttemptFailed = false;
    } else if (type === 'StateRetried') {
      current.markedRetries += 1;
    } else if (type in TASK_FAILURES) {
      current.error = failureOf(detailsOf(event, TASK_FAILURES[type]));
      current.lastAttemptFailed = true;
    } else if (type.endsWith('StateExited')) {
      const visit = visits.findLast(
        (candidate) => candidate.endedAt === null && candidate.name === event.stateExitedEventDetails?.name,
      );
      if (visit) {
        visit.endedAt = at;
        // A Task whose last attempt failed exits through its Catch: it failed, the catcher takes over.
        visit.outcome = visit.lastAttemptFailed ? 'failed' : 'succeeded';
      }
    } else if (type in EXECUTION_ENDS) {
      for (const visit of visits.filter((candidate) => candidate.endedAt === null)) {
        visit.endedAt = at;
        if (type === 'ExecutionSucceeded') visit.outcome = 'succeeded';
        else if (type === 'ExecutionFailed') {
          visit.outcome = 'failed';
          visit.error ??= failureOf(detailsOf(event, EXECUTION_ENDS[type]));
        } else visit.outcome = 'stopped';
      }
    }
  }
  return visits.map(({ markedRetries, lastAttemptFailed: _, ...visit }) => ({
    ...visit,
    retries: Math.max(visit.attempts - 1, markedRetries, 0),
  }));
}

function detailsOf(event: TimelineEvent, key: string | undefined): unknown {
  return key === undefined ? undefined : (event as Record<string, unknown>)[key];
}

function failureOf(details: unknown): { error: string; cause: string } {
  const { error, cause } = (details ?? {}) as { error?: unknown; cause?: unknown };
  const text = typeof cause === 'string' ? cause : '';
  return {
    error: typeof error === 'string' ? error : '',
    cause: text.length > MAX_CAUSE_CHARS ? `${text.slice(0, MAX_CAUSE_CHARS)}…` : text,
  };
}

/** True when the execution entered the state `stateName` (e.g. its Fail state) at any point of its history. */
export function enteredState(events: readonly TimelineEvent[], stateName: string): boolean {
  return events.some(
    (event) => event.type?.endsWith('StateEntered') && event.stateEnteredEventDetails?.name === stateName,
  );
}

import type { StateMachine } from 'aws-local-stepfunctions';

/** The part of aws-local-stepfunctions' event logger the engine listens to. */
interface StateEventLogger {
  dispatchStateEnteredEvent(stateName: string, stateType: string, input: unknown): void;
  dispatchStateFailedEvent(stateName: string, ...rest: unknown[]): void;
}

/** `StateMachine#execute`, which `run()` calls with the execution's event logger (not part of the typed API). */
type Execute = (input: unknown, options: { eventLogger: StateEventLogger }, cleanup: () => void) => Promise<unknown>;

/** What a hook hears, synchronously, as the library runs the machine's top-level states. */
export interface StateEventListener {
  /** A state was entered with this raw input; the library builds its executor right after. */
  entered?(stateName: string, input: unknown): void;
  /** A state's attempt failed (before Retry/Catch apply). */
  failed?(stateName: string): void;
}

/**
 * Hooks `machine` (before its `run`) so `listener` hears each state entered and failed, synchronously, from the event
 * logger the library hands to `StateMachine#execute`. aws-local-stepfunctions' overrides are constants per state
 * name; this is how the engine computes them per visit (time-scale.ts) and issues task tokens (task-tokens.ts).
 * Several hooks on one machine chain.
 */
export function hookStateEvents(machine: StateMachine, listener: StateEventListener, feature: string): void {
  const target = machine as unknown as { execute?: Execute };
  const execute = target.execute;
  if (typeof execute !== 'function') {
    throw new Error(`${feature}: this aws-local-stepfunctions has no StateMachine#execute to hook`);
  }
  target.execute = function (this: StateMachine, input, options, cleanup) {
    const logger = options.eventLogger;
    const entered = logger.dispatchStateEnteredEvent.bind(logger);
    const failed = logger.dispatchStateFailedEvent.bind(logger);
    logger.dispatchStateEnteredEvent = (stateName, stateType, stateInput) => {
      listener.entered?.(stateName, stateInput);
      entered(stateName, stateType, stateInput);
    };
    logger.dispatchStateFailedEvent = (stateName, ...rest) => {
      listener.failed?.(stateName);
      failed(stateName, ...rest);
    };
    return execute.call(this, input, options, cleanup);
  };
}

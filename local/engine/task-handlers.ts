import {
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { FaultDecider } from '../aws-faults/decider';
import { lambdaInvokeFault } from '../aws-faults/lambda';
import { LambdaInvocationError, type LambdaRuntime } from '../lambda/runtime';
import type { LocalStateMachine, TaskBinding } from './definition';
import type { TaskTokens } from './task-tokens';

/** What runs one Task state locally: the state's effective input in, its result out (or a thrown task error). */
export type TaskHandler = (input: unknown) => Promise<unknown>;

/** What the engine's Task handlers share across executions. */
export interface TaskHandlerOptions {
  runtime: LambdaRuntime;
  dynamodb: DynamoDBClient;
  tokens: TaskTokens;
  /** Test aid: invoke each function this many times in a row with the same input. @default 1 */
  taskRepeat?: number;
  lambdaFaults?: FaultDecider<'lambda'>;
}

/** One execution's side of the callback pattern: the token its Parameters just read, and the heartbeat bounds. */
export interface ExecutionTokens {
  executionArn: string;
  claim(): string | undefined;
  heartbeatMs(stateName: string): number | undefined;
}

const DYNAMODB_COMMANDS = {
  getItem: GetItemCommand,
  putItem: PutItemCommand,
  updateItem: UpdateItemCommand,
  deleteItem: DeleteItemCommand,
} as const;

/** aws-local-stepfunctions' `taskResourceLocalHandlers` for one execution of `machine`. */
export function taskHandlers(
  machine: LocalStateMachine,
  options: TaskHandlerOptions,
  execution: ExecutionTokens,
): Record<string, TaskHandler> {
  return Object.fromEntries(machine.tasks.map((task) => [task.stateName, taskHandler(task, options, execution)]));
}

function taskHandler(task: TaskBinding, options: TaskHandlerOptions, execution: ExecutionTokens): TaskHandler {
  switch (task.kind) {
    case 'function':
      return (input) => invokeFunction(task.functionKey, input, options);
    case 'lambda-invoke':
      if (task.waitForTaskToken) return (input) => invokeAndWaitForToken(task.stateName, input, options, execution);
      return async (input) => {
        const { FunctionName, Payload } = (input ?? {}) as { FunctionName?: string; Payload?: unknown };
        const payload = await invokeFunction(String(FunctionName), Payload ?? {}, options);
        return { ExecutedVersion: '$LATEST', Payload: payload, StatusCode: 200 };
      };
    case 'dynamodb':
      return async (input) => {
        const Command = DYNAMODB_COMMANDS[task.action as keyof typeof DYNAMODB_COMMANDS] as unknown as new (
          input: unknown,
        ) => Parameters<DynamoDBClient['send']>[0];
        try {
          const { $metadata: _, ...output } = (await options.dynamodb.send(new Command(input))) as {
            $metadata: unknown;
          };
          return output;
        } catch (error) {
          const thrown = error as Error;
          throw taskError(`DynamoDB.${thrown.name}`, thrown.message);
        }
      };
  }
}

/**
 * `lambda:invoke.waitForTaskToken`: the function is invoked with the Payload carrying `$$.Task.Token`, and the task's
 * result is what SendTaskSuccess sends (or SendTaskFailure's error), not the function's answer. The token is waited on
 * before the function runs, so the function may settle it itself; a function error fails the task unless the token
 * was settled first.
 */
async function invokeAndWaitForToken(
  stateName: string,
  input: unknown,
  options: TaskHandlerOptions,
  execution: ExecutionTokens,
): Promise<unknown> {
  const token = execution.claim();
  if (!token) {
    throw taskError(
      'States.Runtime',
      `Task ${stateName} waits for a task token but its Parameters never read $$.Task.Token`,
    );
  }
  const settled = options.tokens.wait(token, {
    executionArn: execution.executionArn,
    stateName,
    heartbeatMs: execution.heartbeatMs(stateName),
  });
  const { FunctionName, Payload } = (input ?? {}) as { FunctionName?: string; Payload?: unknown };
  const invoked = invokeFunction(String(FunctionName), Payload ?? {}, options).then(
    () => settled,
    (error: unknown) => {
      options.tokens.expire(execution.executionArn, stateName);
      throw error;
    },
  );
  return Promise.race([settled, invoked]);
}

/** Lambda semantics: Error = the thrown error's name; Cause = Lambda's JSON `{errorType, errorMessage, trace}`. */
async function invokeFunction(key: string, input: unknown, options: TaskHandlerOptions): Promise<unknown> {
  const fault = options.lambdaFaults?.next();
  try {
    if (fault === 'service' || fault === 'too-many-requests') throw lambdaInvokeFault(fault);
    if (fault === 'timeout-before') throw options.runtime.timedOut(key);
    const repeat = options.taskRepeat ?? 1;
    for (let run = 1; run < repeat; run++) await options.runtime.invoke(key, structuredClone(input));
    const result = await options.runtime.invoke(key, input);
    // The handler ran to the end (its writes are done) but the task sees a timeout, as when Lambda's answer is late.
    if (fault === 'timeout-after') throw options.runtime.timedOut(key);
    return result;
  } catch (error) {
    if (!(error instanceof LambdaInvocationError)) throw error;
    const cause = JSON.stringify({
      errorType: error.errorType,
      errorMessage: error.errorMessage,
      trace: error.trace,
    });
    throw taskError(error.errorType, cause);
  }
}

/** aws-local-stepfunctions takes a thrown error's `name` as Error and its `message` as Cause. */
function taskError(name: string, cause: string): Error {
  const error = new Error(cause);
  error.name = name;
  return error;
}

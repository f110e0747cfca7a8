import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import type { LambdaRuntime } from '../lambda/runtime';
import type { LocalTemplate } from '../template/resolve';
import { WAIT_FOR_TASK_TOKEN } from './task-tokens';

/** How the local engine runs one Task state. */
export type TaskBinding =
  /** `Resource` is a function ARN (LambdaInvoke with payloadResponseOnly): the handler gets the state input. */
  | { kind: 'function'; stateName: string; functionKey: string }
  /**
   * `arn:aws:states:::lambda:invoke`: Parameters carry FunctionName and Payload; the result is wrapped like Lambda's.
   * With `.waitForTaskToken`, the result is what SendTaskSuccess sends for the token the Payload carries.
   */
  | { kind: 'lambda-invoke'; stateName: string; waitForTaskToken?: boolean }
  /** `arn:aws:states:::dynamodb:<action>`: served through the SDK against DynamoDB Local. */
  | { kind: 'dynamodb'; stateName: string; action: string };

/** A state machine of the template, resolved to local names. */
export interface LocalStateMachine {
  arn: string;
  name: string;
  definition: StateMachineDefinition;
  tasks: TaskBinding[];
  waitStates: string[];
  retryingStates: string[];
}

type StateRecord = Record<string, unknown> & { Type: string };

const FUNCTION_ARN = /^arn:aws:lambda:[^:]+:[^:]+:function:([^:]+)(:.+)?$/;
const DYNAMODB_INTEGRATION = /^arn:aws:states:::dynamodb:(getItem|putItem|updateItem|deleteItem)$/;

/**
 * Reads every `AWS::StepFunctions::StateMachine` of the template: resolves its `DefinitionString`
 * (`Fn::Join` of `Fn::GetAtt`/`Ref` tokens) and binds each Task state to what runs it locally.
 * Throws at start-up, not mid-execution, for a Task the local engine cannot run.
 */
export function localStateMachines(template: LocalTemplate, runtime: LambdaRuntime): LocalStateMachine[] {
  return template.resourcesOfType('AWS::StepFunctions::StateMachine').map(({ stackName, logicalId, resource }) => {
    const props = resource.Properties ?? {};
    const arn = template.physicalName(stackName, logicalId);
    const definition = readDefinition(template, stackName, props);
    const machine: LocalStateMachine = {
      arn,
      name: arn.slice(arn.lastIndexOf(':') + 1),
      definition,
      tasks: [],
      waitStates: [],
      retryingStates: [],
    };
    bindStates(definition.States as unknown as Record<string, StateRecord>, machine, runtime);
    return machine;
  });
}

function readDefinition(
  template: LocalTemplate,
  stackName: string,
  props: Record<string, unknown>,
): StateMachineDefinition {
  const raw = props.DefinitionString
    ? template.resolve(stackName, props.DefinitionString)
    : JSON.stringify(template.resolve(stackName, props.Definition));
  let text = typeof raw === 'string' ? raw : JSON.stringify(raw);
  const substitutions = template.resolve(stackName, props.DefinitionSubstitutions ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(substitutions)) text = text.replaceAll(`\${${key}}`, String(value));
  return JSON.parse(text) as StateMachineDefinition;
}

function bindStates(states: Record<string, StateRecord>, machine: LocalStateMachine, runtime: LambdaRuntime): void {
  for (const [stateName, state] of Object.entries(states)) {
    if (state.Type === 'Wait') machine.waitStates.push(stateName);
    if (Array.isArray(state.Retry) && state.Retry.length > 0) machine.retryingStates.push(stateName);
    if (state.Type === 'Parallel') {
      for (const branch of state.Branches as Array<{ States: Record<string, StateRecord> }>) {
        bindStates(branch.States, machine, runtime);
      }
    }
    if (state.Type === 'Map') {
      const processor = (state.ItemProcessor ?? state.Iterator) as { States: Record<string, StateRecord> };
      bindStates(processor.States, machine, runtime);
    }
    if (state.Type === 'Task') machine.tasks.push(bindTask(stateName, state, runtime));
  }
}

function bindTask(stateName: string, state: StateRecord, runtime: LambdaRuntime): TaskBinding {
  const resource = String(state.Resource);
  const functionArn = FUNCTION_ARN.exec(resource);
  if (functionArn) {
    const fn = runtime.find(resource.replace(/:(\$LATEST|\d+)$/, '')) ?? runtime.find(functionArn[1] ?? '');
    if (!fn)
      throw new Error(`Task ${stateName} calls ${resource}, which is not a function with reelflow:handler metadata`);
    // Step Functions' own Task timeout is 99999999 s; aws-local-stepfunctions defaults to 60 s. The Lambda timeout
    // is what bounds a Lambda task in AWS, so the local engine lets the runtime enforce it (as Sandbox.Timedout).
    if (state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) {
      state.TimeoutSeconds = fn.timeoutSeconds + 5;
    }
    return { kind: 'function', stateName, functionKey: fn.logicalId };
  }
  if (resource === 'arn:aws:states:::lambda:invoke') return { kind: 'lambda-invoke', stateName };
  if (resource === `arn:aws:states:::lambda:invoke${WAIT_FOR_TASK_TOKEN}`) {
    return { kind: 'lambda-invoke', stateName, waitForTaskToken: true };
  }
  const dynamodb = DYNAMODB_INTEGRATION.exec(resource);
  if (dynamodb?.[1]) return { kind: 'dynamodb', stateName, action: dynamodb[1] };
  throw new Error(`The local engine cannot run Task ${stateName} (Resource ${resource})`);
}

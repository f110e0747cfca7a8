import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, listen, readBody, sendJson } from '../http';
import { StepFunctionsApiError } from './api-error';
import type { LocalStepFunctionsEngine } from './engine';
import type { ExecutionRecord, ExecutionStatus } from './execution-store';

const TARGET_PREFIX = 'AWSStepFunctions.';
const JSON_1_0 = 'application/x-amz-json-1.0';

type Operation = (engine: LocalStepFunctionsEngine, request: Record<string, unknown>) => unknown;

/** The Step Functions operations the local endpoint serves (AWS JSON 1.0 protocol, as @aws-sdk/client-sfn speaks it). */
const OPERATIONS: Record<string, Operation> = {
  StartExecution: (engine, request) => {
    const record = engine.startExecution(request as { stateMachineArn?: string; name?: string; input?: string });
    return { executionArn: record.executionArn, startDate: seconds(record.startDate) };
  },
  DescribeExecution: (engine, request) =>
    describe(engine.describeExecution(request.executionArn as string | undefined)),
  StopExecution: async (engine, request) => {
    const record = await engine.stopExecution(request as { executionArn?: string; error?: string; cause?: string });
    return { stopDate: seconds(record.stopDate ?? Date.now()) };
  },
  RedriveExecution: (engine, request) => {
    const record = engine.redriveExecution(request as { executionArn?: string; clientToken?: string });
    return { redriveDate: seconds(record.redriveDate ?? Date.now()) };
  },
  ListExecutions: (engine, request) => {
    const records = engine.listExecutions(
      request.stateMachineArn as string | undefined,
      request.statusFilter as ExecutionStatus | undefined,
    );
    return page(records, request, 'executions', (record) => ({
      executionArn: record.executionArn,
      stateMachineArn: record.stateMachineArn,
      name: record.name,
      status: record.status,
      startDate: seconds(record.startDate),
      ...(record.stopDate === undefined ? {} : { stopDate: seconds(record.stopDate) }),
    }));
  },
  GetExecutionHistory: (engine, request) => {
    const record = engine.describeExecution(request.executionArn as string | undefined);
    const events = request.reverseOrder ? [...record.events].reverse() : record.events;
    return page(events, request, 'events', (event) => ({ ...event, timestamp: seconds(event.timestamp) }));
  },
  // The callback pattern (`.waitForTaskToken` states): each answers `{}` as AWS does.
  SendTaskSuccess: (engine, request) => {
    engine.sendTaskSuccess(request);
    return {};
  },
  SendTaskFailure: (engine, request) => {
    engine.sendTaskFailure(request);
    return {};
  },
  SendTaskHeartbeat: (engine, request) => {
    engine.sendTaskHeartbeat(request);
    return {};
  },
  DescribeStateMachine: (engine, request) => {
    const machine = engine.stateMachine(request.stateMachineArn as string | undefined);
    return {
      stateMachineArn: machine.arn,
      name: machine.name,
      status: 'ACTIVE',
      type: 'STANDARD',
      definition: JSON.stringify(machine.definition),
      roleArn: 'arn:aws:iam::000000000000:role/local',
      creationDate: seconds(Date.now()),
    };
  },
};

/** The local Step Functions endpoint: what `AWS_ENDPOINT_URL_SFN` points at. */
export interface StepFunctionsServer {
  url: string;
  close(): Promise<void>;
}

export async function startStepFunctionsServer(
  engine: LocalStepFunctionsEngine,
  port = 0,
): Promise<StepFunctionsServer> {
  const server: Server = createServer((request, response) => {
    void handle(engine, request, response);
  });
  const actualPort = await listen(server, port);
  return { url: `http://127.0.0.1:${actualPort}`, close: () => closeServer(server) };
}

async function handle(
  engine: LocalStepFunctionsEngine,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const target = String(request.headers['x-amz-target'] ?? '');
  const operation = target.startsWith(TARGET_PREFIX) ? OPERATIONS[target.slice(TARGET_PREFIX.length)] : undefined;
  try {
    if (request.method !== 'POST' || !operation) {
      throw new StepFunctionsApiError(
        'UnknownOperationException',
        `The local Step Functions does not serve ${target || request.method}`,
      );
    }
    const body = await readBody(request, 1024 * 1024);
    const input = body.length === 0 ? {} : (JSON.parse(body.toString('utf8')) as Record<string, unknown>);
    sendJson(response, 200, await operation(engine, input), { 'content-type': JSON_1_0 });
  } catch (error) {
    const known = error instanceof StepFunctionsApiError;
    const code = known ? error.name : error instanceof SyntaxError ? 'SerializationException' : 'InternalFailure';
    if (!known) console.error('local engine:', error);
    sendJson(
      response,
      known || code === 'SerializationException' ? 400 : 500,
      { __type: code, message: (error as Error).message },
      {
        'content-type': JSON_1_0,
        'x-amzn-errortype': code,
      },
    );
  }
}

function describe(record: ExecutionRecord): Record<string, unknown> {
  return {
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: seconds(record.startDate),
    ...(record.stopDate === undefined ? {} : { stopDate: seconds(record.stopDate) }),
    input: record.input,
    inputDetails: { included: true },
    ...(record.output === undefined ? {} : { output: record.output, outputDetails: { included: true } }),
    ...(record.error === undefined ? {} : { error: record.error }),
    ...(record.cause === undefined ? {} : { cause: record.cause }),
    redriveCount: record.redriveCount ?? 0,
    ...(record.redriveDate === undefined ? {} : { redriveDate: seconds(record.redriveDate) }),
    ...(record.status === 'RUNNING' || record.status === 'SUCCEEDED'
      ? { redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: `Execution is ${record.status} and cannot be redriven` }
      : { redriveStatus: 'REDRIVABLE' }),
  };
}

function page<T>(
  items: T[],
  request: Record<string, unknown>,
  key: string,
  shape: (item: T) => unknown,
): Record<string, unknown> {
  const size = Math.min(Number(request.maxResults) || 100, 1000);
  const offset = request.nextToken ? Number(Buffer.from(String(request.nextToken), 'base64url').toString()) || 0 : 0;
  const slice = items.slice(offset, offset + size);
  const more = offset + size < items.length;
  return {
    [key]: slice.map(shape),
    ...(more ? { nextToken: Buffer.from(String(offset + size)).toString('base64url') } : {}),
  };
}

function seconds(epochMs: number): number {
  return epochMs / 1000;
}

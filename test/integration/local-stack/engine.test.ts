import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { localStateMachines } from '../../../local/engine/definition';
import { LocalStepFunctionsEngine } from '../../../local/engine/engine';
import { startStepFunctionsServer } from '../../../local/engine/server';
import { describeFunctions, LambdaRuntime } from '../../../local/lambda/runtime';
import { LocalTemplate } from '../../../local/template/resolve';
import { useLocalStack } from '../../helpers/local-stack';
import { dynamodbMachine } from './fixtures/dynamodb-machine';
import { tinyApp } from './fixtures/tiny-app';

interface Harness {
  client: SFNClient;
  machineArn: string;
  engine: LocalStepFunctionsEngine;
  stop(): Promise<void>;
}

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startHarness(
  options: { dataDir?: string; timeoutSeconds?: number; localWaitMs?: number } = {},
): Promise<Harness> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'reelflow-engine-')));
  if (!options.dataDir) cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const template = new LocalTemplate(tinyApp({ timeoutSeconds: options.timeoutSeconds }));
  const runtime = new LambdaRuntime(describeFunctions(template, (environment) => environment));
  await runtime.load();
  const machines = localStateMachines(template, runtime);
  const engine = new LocalStepFunctionsEngine({ machines, runtime, dataDir, localWaitMs: options.localWaitMs ?? 10 });
  await engine.open();
  const server = await startStepFunctionsServer(engine);
  const client = new SFNClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    client.destroy();
    await server.close();
    await engine.shutdown();
  };
  cleanups.push(stop);
  return { client, machineArn: machines[0]!.arn, engine, stop };
}

async function waitForEnd(client: SFNClient, executionArn: string): Promise<DescribeExecutionCommandOutput> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const execution = await client.send(new DescribeExecutionCommand({ executionArn }));
    if (execution.status !== 'RUNNING') return execution;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${executionArn} still running after 20 s`);
}

async function historyOf(client: SFNClient, executionArn: string) {
  return (await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events ?? [];
}

describe('local Step Functions engine', () => {
  it('returns SUCCEEDED with the task output when the synthesized-shape definition runs end to end', async () => {
    const { client, machineArn } = await startHarness();

    const { executionArn } = await client.send(
      new StartExecutionCommand({
        stateMachineArn: machineArn,
        name: 'ok-1',
        input: JSON.stringify({ key: 'ok-1', behaviour: 'ok' }),
      }),
    );
    const execution = await waitForEnd(client, executionArn!);

    expect(execution.status).toBe('SUCCEEDED');
    const output = JSON.parse(execution.output!);
    expect(output.job).toMatchObject({ status: 'completed', attempt: 1, env: 'TinyStateful-Table' });
    expect(output.job.functionName).toBe('TinyStateless-StepFn');
    expect(output.job.remainingMs).toBeGreaterThan(0);
    const entered = (await historyOf(client, executionArn!))
      .filter((event) => event.type?.endsWith('StateEntered'))
      .map((event) => event.stateEnteredEventDetails?.name);
    expect(entered).toEqual(['CallStep', 'WaitBeforeCheck', 'IsFinished', 'Done']);
  });

  it('retries a named error then succeeds when the handler throws RetryableProviderError twice', async () => {
    const { client, machineArn } = await startHarness();

    const { executionArn } = await client.send(
      new StartExecutionCommand({
        stateMachineArn: machineArn,
        name: 'retry-1',
        input: JSON.stringify({ key: 'retry-1', behaviour: 'retry-then-ok' }),
      }),
    );
    const execution = await waitForEnd(client, executionArn!);

    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!).job.attempt).toBe(3);
    const failures = (await historyOf(client, executionArn!)).filter((event) => event.type === 'LambdaFunctionFailed');
    expect(failures.map((event) => event.lambdaFunctionFailedEventDetails?.error)).toEqual([
      'RetryableProviderError',
      'RetryableProviderError',
    ]);
  });

  it('fails with the caught Error and a Lambda-style JSON Cause when the handler throws a permanent error', async () => {
    const { client, machineArn } = await startHarness();

    const { executionArn } = await client.send(
      new StartExecutionCommand({
        stateMachineArn: machineArn,
        name: 'perm-1',
        input: JSON.stringify({ key: 'perm-1', behaviour: 'permanent' }),
      }),
    );
    const execution = await waitForEnd(client, executionArn!);

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('PermanentProviderError');
    expect(JSON.parse(execution.cause!)).toMatchObject({
      errorType: 'PermanentProviderError',
      errorMessage: 'moderation_blocked: the prompt was rejected',
    });
    const types = (await historyOf(client, executionArn!)).map((event) => event.type);
    expect(types).toContain('LambdaFunctionFailed');
    expect(types.slice(-3)).toEqual(['PassStateExited', 'FailStateEntered', 'ExecutionFailed']);
  });

  it('reports Sandbox.Timedout when a handler outlives its function timeout', async () => {
    const { client, machineArn } = await startHarness();

    const { executionArn } = await client.send(
      new StartExecutionCommand({
        stateMachineArn: machineArn,
        name: 'slow-1',
        input: JSON.stringify({ key: 'slow-1', behaviour: 'slow' }),
      }),
    );
    const execution = await waitForEnd(client, executionArn!);

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('Sandbox.Timedout');
  });

  it('returns the running execution for the same name and input, and ExecutionAlreadyExists for another input', async () => {
    const { client, machineArn } = await startHarness({ localWaitMs: 2_000 });
    const input = JSON.stringify({ key: 'dup-1', behaviour: 'ok' });

    const first = await client.send(new StartExecutionCommand({ stateMachineArn: machineArn, name: 'dup-1', input }));
    const again = await client.send(new StartExecutionCommand({ stateMachineArn: machineArn, name: 'dup-1', input }));
    const other = client.send(
      new StartExecutionCommand({
        stateMachineArn: machineArn,
        name: 'dup-1',
        input: JSON.stringify({ key: 'x', behaviour: 'ok' }),
      }),
    );

    expect(again.executionArn).toBe(first.executionArn);
    expect(again.startDate).toEqual(first.startDate);
    await expect(other).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
  });

  it('aborts a running execution when StopExecution is called', async () => {
    const { client, machineArn } = await startHarness({ localWaitMs: 10_000 });
    const { executionArn } = await client.send(
      new StartExecutionCommand({
        stateMachineArn: machineArn,
        name: 'stop-1',
        input: JSON.stringify({ key: 'stop-1', behaviour: 'ok' }),
      }),
    );

    await client.send(new StopExecutionCommand({ executionArn, error: 'Cancelled', cause: 'the user cancelled' }));
    const execution = await client.send(new DescribeExecutionCommand({ executionArn }));

    expect(execution).toMatchObject({ status: 'ABORTED', error: 'Cancelled', cause: 'the user cancelled' });
    expect((await historyOf(client, executionArn!)).at(-1)?.type).toBe('ExecutionAborted');
  });

  it('records TIMED_OUT with States.Timeout when the whole execution outlives TimeoutSeconds', async () => {
    const { client, machineArn } = await startHarness({ timeoutSeconds: 1, localWaitMs: 5_000 });

    const { executionArn } = await client.send(
      new StartExecutionCommand({
        stateMachineArn: machineArn,
        name: 'to-1',
        input: JSON.stringify({ key: 'to-1', behaviour: 'ok' }),
      }),
    );
    const execution = await waitForEnd(client, executionArn!);

    expect(execution).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
  });

  it('redrives an aborted execution from the state it stopped in without running the earlier states again', async () => {
    const { client, machineArn } = await startHarness({ localWaitMs: 1_500 });
    const { executionArn } = await client.send(
      new StartExecutionCommand({
        stateMachineArn: machineArn,
        name: 'redrive-1',
        input: JSON.stringify({ key: 'redrive-1', behaviour: 'ok' }),
      }),
    );
    const deadline = Date.now() + 10_000;
    while ((await historyOf(client, executionArn!)).every((event) => event.type !== 'WaitStateEntered')) {
      if (Date.now() > deadline) throw new Error('redrive-1 never reached its Wait state');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await client.send(new StopExecutionCommand({ executionArn }));

    const redrive = await client.send(new RedriveExecutionCommand({ executionArn, clientToken: 'token-1' }));
    const again = await client.send(new RedriveExecutionCommand({ executionArn, clientToken: 'token-1' }));
    const execution = await waitForEnd(client, executionArn!);
    const history = await historyOf(client, executionArn!);

    expect(redrive.redriveDate).toBeInstanceOf(Date);
    expect(again.redriveDate).toEqual(redrive.redriveDate);
    expect(execution).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
    expect(JSON.parse(execution.output!).job.attempt).toBe(1);
    const types = history.map((event) => event.type as string);
    expect(types.filter((type) => type === 'ExecutionStarted')).toHaveLength(1);
    const redrivenAt = types.indexOf('ExecutionRedriven');
    expect(types[redrivenAt - 1]).toBe('ExecutionAborted');
    expect(history[redrivenAt]?.executionRedrivenEventDetails?.redriveCount).toBe(1);
    expect(history[redrivenAt + 1]?.stateEnteredEventDetails?.name).toBe('WaitBeforeCheck');
    expect(
      history.filter((event) => event.type === 'TaskStateEntered').map((event) => event.stateEnteredEventDetails?.name),
    ).toEqual(['CallStep']);
  });

  it('fails a redriven execution again when it had ended in its Fail state', async () => {
    const { client, machineArn } = await startHarness();
    const { executionArn } = await client.send(
      new StartExecutionCommand({
        stateMachineArn: machineArn,
        name: 'redrive-2',
        input: JSON.stringify({ key: 'redrive-2', behaviour: 'permanent' }),
      }),
    );
    await waitForEnd(client, executionArn!);

    await client.send(new RedriveExecutionCommand({ executionArn }));
    const execution = await waitForEnd(client, executionArn!);
    const history = await historyOf(client, executionArn!);

    expect(execution).toMatchObject({ status: 'FAILED', error: 'PermanentProviderError', redriveCount: 1 });
    const types = history.map((event) => event.type as string);
    expect(types.slice(types.indexOf('ExecutionRedriven'))).toEqual([
      'ExecutionRedriven',
      'FailStateEntered',
      'ExecutionFailed',
    ]);
  });

  it('answers ExecutionNotRedrivable for a running or a succeeded execution', async () => {
    const { client, machineArn } = await startHarness({ localWaitMs: 2_000 });
    const start = (name: string) =>
      client.send(
        new StartExecutionCommand({
          stateMachineArn: machineArn,
          name,
          input: JSON.stringify({ key: name, behaviour: 'ok' }),
        }),
      );
    const running = await start('redrive-3');
    const redriveRunning = await client
      .send(new RedriveExecutionCommand({ executionArn: running.executionArn }))
      .catch((error: Error) => error);
    await waitForEnd(client, running.executionArn!);
    const redriveSucceeded = await client
      .send(new RedriveExecutionCommand({ executionArn: running.executionArn }))
      .catch((error: Error) => error);
    const described = await client.send(new DescribeExecutionCommand({ executionArn: running.executionArn }));

    expect(redriveRunning).toMatchObject({
      name: 'ExecutionNotRedrivable',
      message: 'Execution is RUNNING and cannot be redriven',
    });
    expect(redriveSucceeded).toMatchObject({
      name: 'ExecutionNotRedrivable',
      message: 'Execution is SUCCEEDED and cannot be redriven',
    });
    expect(described).toMatchObject({ redriveCount: 0, redriveStatus: 'NOT_REDRIVABLE' });
  });

  it('keeps executions across a restart and resumes a running one at the state it was in', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'reelflow-engine-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const first = await startHarness({ dataDir, localWaitMs: 10_000 });
    const done = await first.client.send(
      new StartExecutionCommand({
        stateMachineArn: first.machineArn,
        name: 'keep-1',
        input: JSON.stringify({ key: 'keep-1', behaviour: 'permanent' }),
      }),
    );
    await waitForEnd(first.client, done.executionArn!);
    const interrupted = await first.client.send(
      new StartExecutionCommand({
        stateMachineArn: first.machineArn,
        name: 'keep-2',
        input: JSON.stringify({ key: 'keep-2', behaviour: 'ok' }),
      }),
    );
    const deadline = Date.now() + 10_000;
    while (
      (await historyOf(first.client, interrupted.executionArn!)).every((event) => event.type !== 'WaitStateEntered')
    ) {
      if (Date.now() > deadline) throw new Error('keep-2 never reached its Wait state');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await first.stop();

    const second = await startHarness({ dataDir });
    const kept = await second.client.send(new DescribeExecutionCommand({ executionArn: done.executionArn }));
    const resumed = await waitForEnd(second.client, interrupted.executionArn!);
    const history = await historyOf(second.client, interrupted.executionArn!);
    const listed = await second.client.send(new ListExecutionsCommand({ stateMachineArn: second.machineArn }));

    expect(kept).toMatchObject({ status: 'FAILED', error: 'PermanentProviderError' });
    expect(resumed.status).toBe('SUCCEEDED');
    expect(JSON.parse(resumed.output!).job.attempt).toBe(1);
    expect(history.filter((event) => event.type === 'ExecutionStarted')).toHaveLength(1);
    const resumedAt = history.findIndex((event) => (event.type as string) === 'LocalExecutionResumed');
    expect(history[resumedAt + 1]?.stateEnteredEventDetails?.name).toBe('WaitBeforeCheck');
    expect(listed.executions?.map((execution) => execution.name).sort()).toEqual(['keep-1', 'keep-2']);
  });

  it('runs DynamoDB service-integration tasks against DynamoDB Local and names their errors DynamoDB.<Exception>', async () => {
    const stack = useLocalStack();
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: stack.dynamodbEndpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    });
    const tableName = `engine-integration-${Date.now()}`;
    const dynamodb = new DynamoDBClient({});
    cleanups.push(async () => dynamodb.destroy());
    await dynamodb.send(
      new CreateTableCommand({
        TableName: tableName,
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const template = new LocalTemplate(dynamodbMachine(tableName));
    const runtime = new LambdaRuntime([]);
    const dataDir = await mkdtemp(join(tmpdir(), 'reelflow-engine-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const [machine] = localStateMachines(template, runtime);
    const engine = new LocalStepFunctionsEngine({ machines: [machine!], runtime, dataDir });
    await engine.open();
    cleanups.push(() => engine.shutdown());

    const settle = async (record: { status: string }) => {
      const deadline = Date.now() + 20_000;
      while (record.status === 'RUNNING' && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 25));
      return record;
    };

    const succeeded = await settle(
      engine.startExecution({ stateMachineArn: machine!.arn, name: 'put-1', input: '{"id":"a","note":"hello"}' }),
    );
    const failed = await settle(
      engine.startExecution({ stateMachineArn: machine!.arn, name: 'put-2', input: '{"id":"a","note":"again"}' }),
    );

    expect(succeeded).toMatchObject({ status: 'SUCCEEDED', output: '{"note":"hello"}' });
    expect(failed).toMatchObject({ status: 'FAILED', error: 'DynamoDB.ConditionalCheckFailedException' });
  });
});

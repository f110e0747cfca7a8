import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localStateMachines } from '../../../local/engine/definition';
import { LocalStepFunctionsEngine } from '../../../local/engine/engine';
import { startStepFunctionsServer } from '../../../local/engine/server';
import { describeFunctions, LambdaRuntime } from '../../../local/lambda/runtime';
import { LocalTemplate } from '../../../local/template/resolve';
import { eventually } from '../../helpers/api';
import { tokenApp } from '../../integration/local-stack/fixtures/token-app';
import { receivedTokens } from '../../integration/local-stack/fixtures/token-handler';

/** LOCAL_TIME_SCALE of the engine under test: a state's 20 s timeout lasts 200 ms. */
const TIME_SCALE = 0.01;

let dataDir: string;
let engine: LocalStepFunctionsEngine;
let machineArn: string;
let stopServer: () => Promise<void>;
let client: SFNClient;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'reelflow-engine-tokens-'));
  const template = new LocalTemplate(tokenApp());
  const runtime = new LambdaRuntime(describeFunctions(template, (environment) => environment));
  await runtime.load();
  const machines = localStateMachines(template, runtime);
  machineArn = machines[0]!.arn;
  engine = new LocalStepFunctionsEngine({ machines, runtime, dataDir, timeScale: TIME_SCALE });
  await engine.open();
  const server = await startStepFunctionsServer(engine);
  stopServer = () => server.close();
  client = new SFNClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(async () => {
  client?.destroy();
  await stopServer?.();
  await engine?.shutdown();
  await rm(dataDir, { recursive: true, force: true });
});

/** Starts an execution that waits for its token; resolves with its ARN and the token its function received. */
async function startWaiting(
  key: string,
  input: { timeoutSeconds?: number; heartbeatSeconds?: number; behaviour?: 'wait' | 'crash' } = {},
): Promise<{ executionArn: string; token: string }> {
  const { executionArn } = await client.send(
    new StartExecutionCommand({
      stateMachineArn: machineArn,
      name: key,
      input: JSON.stringify({ key, behaviour: 'wait', timeoutSeconds: 3600, ...input }),
    }),
  );
  const token = await eventually(`${key}'s task token`, async () => receivedTokens().get(key)?.[0], {
    timeoutMs: 10_000,
    intervalMs: 10,
  });
  return { executionArn: executionArn!, token };
}

async function ended(executionArn: string): Promise<DescribeExecutionCommandOutput> {
  return eventually(
    `${executionArn} ending`,
    async () => {
      const execution = await client.send(new DescribeExecutionCommand({ executionArn }));
      return execution.status === 'RUNNING' ? undefined : execution;
    },
    { timeoutMs: 10_000, intervalMs: 10 },
  );
}

/** The error code the endpoint answers `send` with (undefined when it succeeds). */
async function errorOf(send: Promise<unknown>): Promise<string | undefined> {
  try {
    await send;
    return undefined;
  } catch (error) {
    return (error as Error).name;
  }
}

describe('local engine task tokens (.waitForTaskToken)', () => {
  it('returns SUCCEEDED with SendTaskSuccess output as the task result when the token is sent back', async () => {
    const { executionArn, token } = await startWaiting('token-success');

    await client.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    await client.send(
      new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ id: 'video_1', status: 'completed' }) }),
    );
    const execution = await ended(executionArn);

    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!).job).toEqual({ id: 'video_1', status: 'completed' });
    expect(token).toMatch(/^[A-Za-z0-9_-]{64}$/);
  });

  it('returns FAILED with the sent error and cause when SendTaskFailure arrives', async () => {
    const { executionArn, token } = await startWaiting('token-failure');

    await client.send(
      new SendTaskFailureCommand({ taskToken: token, error: 'ProviderJobFailed', cause: 'moderation_blocked' }),
    );
    const execution = await ended(executionArn);

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('ProviderJobFailed');
    expect(execution.cause).toBe('moderation_blocked');
  });

  it('catches States.Timeout after the scaled TimeoutSeconds and answers TaskTimedOut to a late token', async () => {
    const { executionArn, token } = await startWaiting('token-timeout', { timeoutSeconds: 20 });

    const execution = await ended(executionArn);
    const late = await errorOf(client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })));

    expect(execution.status).toBe('SUCCEEDED');
    const output = JSON.parse(execution.output!);
    expect(output.path).toBe('polling');
    expect(output.timedOut.Error).toBe('States.Timeout');
    expect(late).toBe('TaskTimedOut');
  });

  it('catches a missed heartbeat as a timeout when HeartbeatSeconds pass without SendTaskHeartbeat', async () => {
    const { executionArn } = await startWaiting('token-heartbeat', { heartbeatSeconds: 20 });

    const execution = await ended(executionArn);

    expect(execution.status).toBe('SUCCEEDED');
    const output = JSON.parse(execution.output!);
    expect(output.path).toBe('polling');
    expect(output.timedOut.Error).toBe('States.HeartbeatTimeout');
  });

  it('answers TaskDoesNotExist to a token used twice and to an unknown one, InvalidToken to a malformed one', async () => {
    const { executionArn, token } = await startWaiting('token-reused');
    await client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"first":true}' }));
    await ended(executionArn);

    const reused = await errorOf(client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })));
    const reusedFailure = await errorOf(client.send(new SendTaskFailureCommand({ taskToken: token, error: 'X' })));
    const unknown = await errorOf(client.send(new SendTaskHeartbeatCommand({ taskToken: 'A'.repeat(64) })));
    const malformed = await errorOf(
      client.send(new SendTaskSuccessCommand({ taskToken: 'not a token', output: '{}' })),
    );

    expect(reused).toBe('TaskDoesNotExist');
    expect(reusedFailure).toBe('TaskDoesNotExist');
    expect(unknown).toBe('TaskDoesNotExist');
    expect(malformed).toBe('InvalidToken');
    expect(JSON.parse((await ended(executionArn)).output!).job).toEqual({ first: true });
  });

  it('answers InvalidOutput and keeps waiting when SendTaskSuccess output is not JSON', async () => {
    const { executionArn, token } = await startWaiting('token-bad-output');

    const invalid = await errorOf(client.send(new SendTaskSuccessCommand({ taskToken: token, output: 'not json' })));
    await client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"ok":true}' }));

    expect(invalid).toBe('InvalidOutput');
    expect((await ended(executionArn)).status).toBe('SUCCEEDED');
  });

  it('fails the task with the function error when the invoked function throws before the token is sent', async () => {
    const { executionArn, token } = await startWaiting('token-crash', { behaviour: 'crash' });

    const execution = await ended(executionArn);
    const late = await errorOf(client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })));

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('ProviderUnavailableError');
    expect(late).toBe('TaskTimedOut');
  });
});

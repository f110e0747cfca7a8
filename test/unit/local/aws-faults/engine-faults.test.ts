import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  SFNClient,
  type SFNServiceException,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultKind } from '../../../../local/aws-faults/config';
import { FaultCounters } from '../../../../local/aws-faults/counters';
import { type FaultDecider, scriptedDecider } from '../../../../local/aws-faults/decider';
import { startFaultProxy } from '../../../../local/aws-faults/proxy';
import { localStateMachines } from '../../../../local/engine/definition';
import { LocalStepFunctionsEngine } from '../../../../local/engine/engine';
import { startStepFunctionsServer } from '../../../../local/engine/server';
import { describeFunctions, LambdaRuntime } from '../../../../local/lambda/runtime';
import { LocalTemplate } from '../../../../local/template/resolve';
import { eventually } from '../../../helpers/api';
import { tinyApp } from '../../../integration/local-stack/fixtures/tiny-app';

/** The next Lambda fault the engine draws; each test sets the script it needs. */
let lambdaScript: FaultDecider<'lambda'> = scriptedDecider([]);
let dataDir: string;
let engine: LocalStepFunctionsEngine;
let machineArn: string;
let sfnUrl: string;
let stopServer: () => Promise<void>;
let direct: SFNClient;

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'reelflow-engine-faults-'));
  const template = new LocalTemplate(tinyApp());
  const runtime = new LambdaRuntime(describeFunctions(template, (environment) => environment));
  await runtime.load();
  const machines = localStateMachines(template, runtime);
  machineArn = machines[0]!.arn;
  engine = new LocalStepFunctionsEngine({
    machines,
    runtime,
    dataDir,
    localWaitMs: 10,
    lambdaFaults: { next: (applicable) => lambdaScript.next(applicable) },
  });
  await engine.open();
  const server = await startStepFunctionsServer(engine);
  sfnUrl = server.url;
  stopServer = () => server.close();
  direct = new SFNClient({ endpoint: sfnUrl, region: 'us-east-1', credentials });
});

afterAll(async () => {
  direct?.destroy();
  await stopServer?.();
  await engine?.shutdown();
  await rm(dataDir, { recursive: true, force: true });
});

async function run(
  name: string,
  faults: Array<FaultKind<'lambda'> | undefined>,
  key = name,
): Promise<DescribeExecutionCommandOutput> {
  lambdaScript = scriptedDecider(faults);
  const { executionArn } = await direct.send(
    new StartExecutionCommand({
      stateMachineArn: machineArn,
      name,
      input: JSON.stringify({ key, behaviour: 'ok' }),
    }),
  );
  return eventually(
    `${executionArn} ending`,
    async () => {
      const execution = await direct.send(new DescribeExecutionCommand({ executionArn }));
      return execution.status === 'RUNNING' ? undefined : execution;
    },
    { timeoutMs: 20_000, intervalMs: 25 },
  );
}

/** How many times the fixture handler has run for `key` (it counts its own invocations per key). */
async function handlerRuns(key: string): Promise<number> {
  const execution = await run(`${key}-check`, [], key);
  return JSON.parse(execution.output!).job.attempt - 1;
}

describe('Lambda faults in the local engine Task invoke', () => {
  it.each([
    ['service', 'Lambda.ServiceException', /Status Code: 500; Error Code: ServiceException/],
    ['too-many-requests', 'Lambda.TooManyRequestsException', /Status Code: 429; Error Code: TooManyRequestsException/],
  ] as const)(
    'fails the Task with %s as Step Functions reports it, without running the handler',
    async (kind, name, cause) => {
      const execution = await run(`invoke-${kind}`, [kind]);

      expect(execution.status).toBe('FAILED');
      expect(execution.error).toBe(name);
      expect(execution.cause).toMatch(cause);
      expect(await handlerRuns(`invoke-${kind}`)).toBe(0);
    },
  );

  it.each([
    ['timeout-before', 0],
    ['timeout-after', 1],
  ] as const)('fails the Task with Sandbox.Timedout on %s, the handler having run %i times', async (kind, runs) => {
    const execution = await run(`timeout-${kind}`, [kind]);

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('Sandbox.Timedout');
    expect(JSON.parse(execution.cause!)).toMatchObject({
      errorType: 'Sandbox.Timedout',
      errorMessage: 'Task timed out after 2.00 seconds',
    });
    expect(await handlerRuns(`timeout-${kind}`)).toBe(runs);
  });
});

describe('fault proxy in front of the local Step Functions endpoint', () => {
  async function through(script: Array<FaultKind<'sfn'> | undefined>, maxAttempts: number) {
    const counters = new FaultCounters();
    const proxy = await startFaultProxy({
      service: 'sfn',
      upstream: sfnUrl,
      decider: scriptedDecider<'sfn'>(script),
      counters,
    });
    const client = new SFNClient({ endpoint: proxy.url, region: 'us-east-1', credentials, maxAttempts });
    return {
      client,
      counters,
      close: async () => {
        client.destroy();
        await proxy.close();
      },
    };
  }

  it('surfaces a throttle as ThrottlingException, which the SDK retries', async () => {
    const once = await through(['throttle'], 1);
    const retried = await through(['throttle'], 3);
    const start = (client: SFNClient, name: string) =>
      client.send(
        new StartExecutionCommand({
          stateMachineArn: machineArn,
          name,
          input: JSON.stringify({ key: name, behaviour: 'ok' }),
        }),
      );

    const error = (await start(once.client, 'sfn-throttle-1').catch(
      (thrown: unknown) => thrown,
    )) as SFNServiceException;
    const output = await start(retried.client, 'sfn-throttle-2');

    expect(error.name).toBe('ThrottlingException');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(output.$metadata.attempts).toBe(2);
    await once.close();
    await retried.close();
  });

  it('starts the execution before the answer is lost; the SDK retry gets the same execution back', async () => {
    const { client, counters, close } = await through(['lost'], 3);

    const output = await client.send(
      new StartExecutionCommand({
        stateMachineArn: machineArn,
        name: 'sfn-lost',
        input: JSON.stringify({ key: 'sfn-lost', behaviour: 'slow' }),
      }),
    );

    expect(output.$metadata.attempts).toBe(2);
    expect(output.executionArn).toMatch(/:sfn-lost$/);
    expect(counters.snapshot()).toMatchObject({ injected: { 'sfn:lost': 1 }, requests: { sfn: 2 } });
    await close();
  });
});

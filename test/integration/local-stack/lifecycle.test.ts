import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/api';
import { isAlive, type LocalStackProcess, startLocalStackProcess } from '../../helpers/local-stack';

const run = promisify(execFile);
let dataDir: string;
const running: LocalStackProcess[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'reelflow-lifecycle-'));
});

afterAll(async () => {
  for (const stack of running) await stack.stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function start(): Promise<LocalStackProcess> {
  const stack = await startLocalStackProcess({ dataDir });
  running.push(stack);
  return stack;
}

async function stop(stack: LocalStackProcess): Promise<void> {
  await stack.stop();
  running.splice(running.indexOf(stack), 1);
}

/** Processes whose command line mentions the data dir (DynamoDB Local's java has it in -dbPath). */
async function processesUsing(directory: string): Promise<string[]> {
  const { stdout } = await run('ps', ['-eo', 'pid,args']);
  return stdout.split('\n').filter((line) => line.includes(directory));
}

describe('local stack lifecycle', () => {
  it('keeps videos, objects and executions across a restart and leaves no process after SIGTERM', async () => {
    const first = await start();
    const user = `lifecycle-${Date.now()}`;
    const token = await first.token(user);
    const created = await fetch(`${first.baseUrl}/v1/videos`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'A paper boat on a river' }),
    }).then((response) => response.json() as Promise<{ id: string }>);
    await eventually('the video completing', async () => {
      const video = await fetch(`${first.baseUrl}/v1/videos/${created.id}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const body = (await video.json()) as { status: string };
      return body.status === 'completed' ? body : undefined;
    });

    await stop(first);

    expect(isAlive(first.pid)).toBe(false);
    expect(isAlive(first.dynamodbPid)).toBe(false);
    expect(await processesUsing(dataDir)).toEqual([]);

    const second = await start();
    const again = await second.token(user);
    const video = await fetch(`${second.baseUrl}/v1/videos/${created.id}`, {
      headers: { authorization: `Bearer ${again}` },
    });
    const content = await fetch(`${second.baseUrl}/v1/videos/${created.id}/content`, {
      headers: { authorization: `Bearer ${again}` },
      redirect: 'manual',
    });
    const download = await fetch(content.headers.get('location') ?? 'http://invalid');
    const sfn = new SFNClient({
      endpoint: second.sfnEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const executionArn = `${second.stateMachineArn.replace(':stateMachine:', ':execution:')}:${created.id}`;
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn })).finally(() => sfn.destroy());

    expect(video.status).toBe(200);
    expect(((await video.json()) as { status: string }).status).toBe('completed');
    expect(content.status).toBe(302);
    expect(download.status).toBe(200);
    expect((await download.arrayBuffer()).byteLength).toBeGreaterThan(0);
    expect(execution.status).toBe('SUCCEEDED');

    await stop(second);
    expect(await processesUsing(dataDir)).toEqual([]);
  }, 240_000);
});

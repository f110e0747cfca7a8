import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
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

/**
 * Removes `webhookSecret` from every version of the provider secret stored under the data dir, as an operator whose
 * provider sends no webhooks would leave it (the stack is stopped: the file is read again at the next start).
 */
async function removeWebhookSecret(directory: string): Promise<void> {
  const file = join(directory, 'secretsmanager', 'secrets.json');
  const secrets = JSON.parse(await readFile(file, 'utf8')) as Array<{ versions: Array<{ secretString?: string }> }>;
  for (const version of secrets.flatMap((secret) => secret.versions)) {
    if (version.secretString === undefined) continue;
    const { webhookSecret: _removed, ...rest } = JSON.parse(version.secretString) as Record<string, unknown>;
    version.secretString = JSON.stringify(rest);
  }
  await writeFile(file, JSON.stringify(secrets), { mode: 0o600 });
}

describe('local stack lifecycle', () => {
  it('keeps videos, objects and executions across a restart and leaves no process after SIGTERM; restarted with a provider secret without webhookSecret, it says polling only and polls', async () => {
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

    const firstOutput = first.output();
    await stop(first);
    await removeWebhookSecret(dataDir);

    expect(firstOutput).toMatch(/provider webhooks: the emulator sends signed events/);
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
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    const polled = await fetch(`${second.baseUrl}/v1/videos`, {
      method: 'POST',
      headers: { authorization: `Bearer ${again}`, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'A paper boat on a lake' }),
    }).then((response) => response.json() as Promise<{ id: string }>);
    await eventually('the video made without webhooks completing', async () => {
      const reply = await fetch(`${second.baseUrl}/v1/videos/${polled.id}`, {
        headers: { authorization: `Bearer ${again}` },
      });
      return ((await reply.json()) as { status: string }).status === 'completed' ? true : undefined;
    });
    const pollingHistory = await sfn
      .send(
        new GetExecutionHistoryCommand({
          executionArn: `${second.stateMachineArn.replace(':stateMachine:', ':execution:')}:${polled.id}`,
          maxResults: 1000,
        }),
      )
      .finally(() => sfn.destroy());
    const entered = (pollingHistory.events ?? []).map((event) => event.stateEnteredEventDetails?.name);

    expect(video.status).toBe(200);
    expect(((await video.json()) as { status: string }).status).toBe('completed');
    expect(content.status).toBe(302);
    expect(download.status).toBe(200);
    expect((await download.arrayBuffer()).byteLength).toBeGreaterThan(0);
    expect(execution.status).toBe('SUCCEEDED');
    expect(second.output()).toMatch(
      /provider webhooks: not configured \(the provider secret has no webhookSecret\): polling only/,
    );
    expect(entered).toContain('PollGenerationJob');
    expect(entered).not.toContain('WaitForProviderWebhook');

    await stop(second);
    expect(await processesUsing(dataDir)).toEqual([]);
  }, 240_000);
});

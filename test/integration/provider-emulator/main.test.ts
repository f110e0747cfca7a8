import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from './support';

describe('provider emulator main (npm run emulator)', () => {
  let child: ChildProcess | undefined;

  afterEach(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('serves /v1 with the key and faults from the environment, and exits 0 on SIGTERM', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', 'local/provider-emulator/main.ts'], {
      env: {
        ...process.env,
        EMULATOR_PORT: '0',
        EMULATOR_API_KEY: 'sk-from-env',
        EMULATOR_JOB_MS: '100',
        EMULATOR_FAULTS: JSON.stringify({ fail_generation: { code: 'moderation_blocked' } }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const url = await waitFor('the ready line', () => /ready at (http:\/\/\S+\/v1)/.exec(output)?.[1], 30_000);
    const client = new OpenAI({ baseURL: url, apiKey: 'sk-from-env', maxRetries: 0 });

    const created = await client.videos.create({ prompt: 'from the standalone emulator' });
    const failed = await waitFor('failure', async () => {
      const video = await client.videos.retrieve(created.id);
      return video.status === 'failed' ? video : undefined;
    });
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await Promise.race([
      exited,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no exit within 10 s')), 10_000)),
    ]);

    expect(failed.error?.code).toBe('moderation_blocked');
    expect(code).toBe(0);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { isLoopbackAddress } from '../../../local/provider-emulator/http-reply';
import { type RunningEmulator, startEmulator } from '../../../local/provider-emulator/server';

let running: RunningEmulator | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

/** A `/v1` call with the emulator's key; answers the status and the JSON body. */
async function call(emulator: RunningEmulator, method: string, path: string, json?: unknown) {
  const response = await fetch(`${emulator.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${emulator.apiKey}`, 'content-type': 'application/json' },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  return { status: response.status, body: (await response.json()) as { id?: string } };
}

describe('provider emulator server', () => {
  it('returns true only for loopback clients when guarding the control routes', () => {
    expect(['127.0.0.1', '127.0.0.2', '::1', '::ffff:127.0.0.1'].map(isLoopbackAddress)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['10.0.0.5', '192.168.1.2', '::ffff:10.0.0.5', 'fe80::1', '', undefined].map(isLoopbackAddress)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('answers a matched 429 storm and 500 burst only to requests about matching jobs', async () => {
    running = await startEmulator({ jobMs: 60_000 });
    const emulator = running;
    const other = await call(emulator, 'POST', '/videos', { prompt: 'someone else' });
    await fetch(`${emulator.origin}/__emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        rate_limit_storm: { count: 1, match: '[mine]' },
        error_burst: { status: 500, count: 1, routes: ['retrieve'], match: '[mine]' },
      }),
    });

    const otherCreate = await call(emulator, 'POST', '/videos', { prompt: 'someone else again' });
    const stormed = await call(emulator, 'POST', '/videos', { prompt: 'a job [mine]' });
    const mine = await call(emulator, 'POST', '/videos', { prompt: 'a job [mine]' });
    const otherRetrieve = await call(emulator, 'GET', `/videos/${other.body.id}`);
    const burst = await call(emulator, 'GET', `/videos/${mine.body.id}`);
    const after = await call(emulator, 'GET', `/videos/${mine.body.id}`);

    expect([other.status, otherCreate.status, stormed.status, mine.status]).toEqual([200, 200, 429, 200]);
    expect([otherRetrieve.status, burst.status, after.status]).toEqual([200, 500, 200]);
  });
});

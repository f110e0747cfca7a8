import { setTimeout as sleep } from 'node:timers/promises';
import OpenAI from 'openai';
import type { Faults, RunningEmulator } from '../../../local/provider-emulator';
import { recordingFetch, type WireRecord } from './openapi-validator';

/** Polls `check` until it returns a value other than undefined, or throws once `timeoutMs` has passed. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

/** An SDK client for the emulator that records every JSON response into `records`. */
export function sdkClient(emulator: RunningEmulator, records: WireRecord[], maxRetries = 0, apiKey = emulator.apiKey) {
  return new OpenAI({
    baseURL: emulator.url,
    apiKey,
    maxRetries,
    timeout: 20_000,
    fetch: recordingFetch(records),
  });
}

/** Waits until a job reaches a terminal status. */
export function waitForTerminal(client: OpenAI, id: string, timeoutMs = 10_000): Promise<OpenAI.Videos.Video> {
  return waitFor(
    `video ${id} to finish`,
    async () => {
      const video = await client.videos.retrieve(id);
      return video.status === 'completed' || video.status === 'failed' ? video : undefined;
    },
    timeoutMs,
  );
}

export async function setFaults(emulator: RunningEmulator, faults: Faults): Promise<void> {
  const response = await fetch(`${emulator.origin}/__emulator/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(faults),
    signal: AbortSignal.timeout(5_000),
  });
  if (!response.ok) throw new Error(`setting faults failed: ${response.status} ${await response.text()}`);
}

export async function resetEmulator(emulator: RunningEmulator): Promise<void> {
  const response = await fetch(`${emulator.origin}/__emulator/reset`, {
    method: 'POST',
    signal: AbortSignal.timeout(5_000),
  });
  if (!response.ok) throw new Error(`reset failed: ${response.status}`);
}

export interface EmulatorJobs {
  data: {
    id: string;
    status: string;
    prompt: string;
    model: string;
    size: string;
    seconds: string;
    created_at: number;
    content: { bytes: number; sha256: string } | null;
  }[];
  create_requests: number;
  requests: Record<string, number>;
  /** Jobs queued or in progress now. */
  running_jobs: number;
  /** The most jobs running at once since the last reset. */
  max_running_jobs: number;
}

export async function emulatorJobs(emulator: RunningEmulator): Promise<EmulatorJobs> {
  const response = await fetch(`${emulator.origin}/__emulator/jobs`, { signal: AbortSignal.timeout(30_000) });
  return (await response.json()) as EmulatorJobs;
}

/** Reads a whole response body into memory (small content only). */
export async function bodyBytes(response: Response): Promise<Buffer> {
  return Buffer.from(await response.arrayBuffer());
}

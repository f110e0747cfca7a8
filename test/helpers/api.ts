import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
} from '@aws-sdk/client-sfn';
import type { LocalStackClient } from './local-stack';

/** JSON as tests read it: assertions reach into arbitrary fields. */
// biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON
export type Json = any;

/** A reply from the local API, its JSON body parsed (null when empty). */
export interface ApiReply {
  status: number;
  headers: Headers;
  body: Json;
}

/** Calls the local API like a client would; never follows redirects, so a 302 can be asserted. */
export async function callApi(
  stack: Pick<LocalStackClient, 'baseUrl'>,
  path: string,
  init: RequestInit & { token?: string; json?: unknown } = {},
): Promise<ApiReply> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(init.json);
  }
  const response = await fetch(`${stack.baseUrl}${path}`, { ...init, body, headers, redirect: 'manual' });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
}

/** Polls `probe` every `intervalMs` until it returns a value; fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { timeoutMs = 45_000, intervalMs = 200 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms${last ? ` (last error: ${String(last)})` : ''}`);
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/** Waits until the video reaches a terminal status and returns it. */
export function waitForTerminalVideo(
  stack: LocalStackClient,
  token: string,
  videoId: string,
  timeoutMs = 60_000,
): Promise<Json> {
  return eventually(
    `video ${videoId} reaching a terminal status`,
    async () => {
      const reply = await callApi(stack, `/v1/videos/${videoId}`, { token });
      return TERMINAL.has(reply.body?.status) ? reply.body : undefined;
    },
    { timeoutMs },
  );
}

/** The local Step Functions endpoint, through the real SDK client. */
export function sfnClient(stack: LocalStackClient): SFNClient {
  return new SFNClient({
    endpoint: stack.sfnEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/** The execution ARN of a video's pipeline (the execution is named after the video id). */
export function executionArnOf(stack: LocalStackClient, videoId: string): string {
  return `${stack.stateMachineArn.replace(':stateMachine:', ':execution:')}:${videoId}`;
}

/** Every history event of an execution, oldest first. */
export async function executionHistory(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/** Each failed task attempt of an execution, attributed to the state entered last before it. */
export function failedTaskAttempts(events: HistoryEvent[]): Array<{ state: string; error: string; cause?: string }> {
  let state = '';
  const failures: Array<{ state: string; error: string; cause?: string }> = [];
  for (const event of events) {
    state = event.stateEnteredEventDetails?.name ?? state;
    const details = event.taskFailedEventDetails ?? event.lambdaFunctionFailedEventDetails;
    if (details?.error !== undefined) failures.push({ state, error: details.error, cause: details.cause });
  }
  return failures;
}

/** Waits until the execution leaves RUNNING and returns its description. */
export function waitForExecutionEnd(sfn: SFNClient, executionArn: string, timeoutMs = 60_000) {
  return eventually(
    `execution ${executionArn} ending`,
    async () => {
      const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return execution.status === 'RUNNING' ? undefined : execution;
    },
    { timeoutMs },
  );
}

/** The provider emulator's control routes. */
export const emulator = {
  async faults(stack: LocalStackClient, faults: Record<string, unknown>): Promise<void> {
    const response = await fetch(`${stack.emulatorOrigin}/__emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(faults),
    });
    if (!response.ok) throw new Error(`setting emulator faults failed: ${response.status} ${await response.text()}`);
  },
  /** Ends now every unfinished provider job whose prompt contains `match` (`POST /__emulator/jobs/finish`). */
  async finish(
    stack: LocalStackClient,
    request: { match: string; status: 'completed' | 'failed'; code?: string; message?: string },
  ): Promise<string[]> {
    const response = await fetch(`${stack.emulatorOrigin}/__emulator/jobs/finish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    if (!response.ok) throw new Error(`finishing emulator jobs failed: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { finished: string[] }).finished;
  },
  async jobs(stack: LocalStackClient): Promise<EmulatorJobs> {
    const response = await fetch(`${stack.emulatorOrigin}/__emulator/jobs`);
    return (await response.json()) as EmulatorJobs;
  },
};

export interface EmulatorJobs {
  data: Array<{
    id: string;
    status: string;
    prompt: string;
    content: { bytes: number; sha256: string } | null;
    /** When the job ended (completed or failed), epoch ms; null while it runs. */
    finished_at_ms?: number | null;
  }>;
  create_requests: number;
  requests?: Record<string, number>;
}

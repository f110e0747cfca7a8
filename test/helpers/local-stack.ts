import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inject } from 'vitest';
import { isAlive } from '../../local/services/processes';
import { openLocalIssuer } from '../../local/token/issuer';

const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

/** What a running local stack exposes; plain data, so a vitest globalSetup can `provide` it. */
export interface LocalStackInfo {
  /** The local API, e.g. `http://localhost:41234`. */
  baseUrl: string;
  /** The provider emulator's base URL, including `/v1`. */
  emulatorUrl: string;
  /** Where the emulator's `/__emulator/faults|reset|jobs` control routes live. */
  emulatorOrigin: string;
  /** The local Step Functions endpoint (AWS JSON 1.0): point an SFNClient at it. */
  sfnEndpoint: string;
  stateMachineArn: string;
  /** The webhook delivery state machine's. */
  deliveryStateMachineArn: string;
  dynamodbEndpoint: string;
  s3Endpoint: string;
  /** The local Secrets Manager endpoint (AWS JSON 1.1), holding the provider secret. */
  secretsManagerEndpoint: string;
  dataDir: string;
  /** The local issuer (`iss` of tokens the API accepts). */
  issuer: string;
}

/** A local stack to test against: its addresses and a way to mint tokens it accepts. */
export interface LocalStackClient extends LocalStackInfo {
  /** A JWT for `user` with `cognito:groups` = `groups`, signed by the stack's issuer. */
  token(user: string, groups?: string[]): Promise<string>;
  /** The ARN of the pipeline execution of a video (executions are named after the video id). */
  executionArn(videoId: string): string;
}

/** A local stack this process started as a child; `stop()` sends SIGTERM and waits for every process to end. */
export interface LocalStackProcess extends LocalStackClient {
  pid: number;
  dynamodbPid: number;
  /** Everything the stack printed so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

export interface StartLocalStackOptions {
  /** Data directory; default a fresh temp dir, removed on stop. */
  dataDir?: string;
  /**
   * Extra environment (defaults: PORT=0, EMULATOR_JOB_MS=1500, LOCAL_WAIT_MS=50, LOCAL_SCHEDULE_MS=1000,
   * PROVIDER_WEBHOOK_WAIT_SECONDS=10); `undefined` removes a default (the stack then uses its own).
   */
  env?: Record<string, string | undefined>;
  /** How long to wait for the `ready` line. */
  readyTimeoutMs?: number;
}

/**
 * Starts the whole local stack (`local/start.ts`, the same entry as `npm start`) as a child process with a free port,
 * a temp REELFLOW_DATA_DIR and short emulator/wait times, and resolves once it prints its `ready` line.
 */
export async function startLocalStackProcess(options: StartLocalStackOptions = {}): Promise<LocalStackProcess> {
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'reelflow-local-')));
  // One node process (tsx as a loader, not tsx's CLI wrapper): the pid signalled is the stack itself.
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: localStackEnv(dataDir, options.env),
  });
  let output = '';
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-200_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);

  let info: Omit<LocalStackInfo, 'dataDir'> & { dynamodbPid: number };
  try {
    info = await waitForReady(child, () => output, options.readyTimeoutMs ?? 120_000);
  } catch (error) {
    await terminate(child, undefined);
    if (ownDataDir) await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const client = connectLocalStack({ ...info, dataDir });
  return {
    ...client,
    pid: child.pid ?? -1,
    dynamodbPid: info.dynamodbPid,
    output: () => output,
    stop: async () => {
      await terminate(child, info.dynamodbPid);
      if (ownDataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The environment a test stack runs with: this process's, a free port, short emulator and wait times, a wide-open
 * admission gate and `dataDir`; `env` overrides a default (`undefined` removes it: the stack then uses its own).
 */
export function localStackEnv(dataDir: string, env: Record<string, string | undefined> = {}): Record<string, string> {
  return withoutUnset({
    ...process.env,
    // Tests never reach a real provider, nor put a developer's key into the local secret, whatever the shell exports.
    PROVIDER_BASE_URL: '',
    PROVIDER_API_KEY: '',
    PORT: '0',
    EMULATOR_JOB_MS: '1500',
    LOCAL_WAIT_MS: '50',
    // Scheduled functions (the reconciler, the erasures, the webhook dispatcher) run every second instead of their rate.
    LOCAL_SCHEDULE_MS: '1000',
    // The admission gate wide open: only the tests about the gate (test/integration/admission) set its limits.
    PROVIDER_MAX_CONCURRENT_JOBS: '100000',
    PROVIDER_REQUESTS_PER_MINUTE: '10000000',
    // An execution waits 10 s for the provider's webhook (1.5 s jobs send theirs well before), so a lost webhook
    // (a fault, a cancel, a job that never ends) falls back to polling within a test's deadline instead of the
    // deployed 270 s, which LOCAL_WAIT_MS does not shorten. Benchmarks pass undefined for the deployed wait.
    PROVIDER_WEBHOOK_WAIT_SECONDS: '10',
    ...env,
    REELFLOW_DATA_DIR: dataDir,
    // The stack watches this process, not whatever its parent is once it runs: a runner killed while the stack was
    // still loading would otherwise leave an orphan watching init.
    REELFLOW_PARENT_PID: String(process.pid),
  });
}

/** A client for a running stack (e.g. the one the integration globalSetup provides). */
export function connectLocalStack(info: LocalStackInfo): LocalStackClient {
  const issuer = openLocalIssuer({ dataDir: info.dataDir, issuer: info.issuer });
  return {
    ...info,
    token: async (user, groups = []) => (await issuer).sign(user, { groups }),
    executionArn: (videoId) => `${info.stateMachineArn.replace(':stateMachine:', ':execution:')}:${videoId}`,
  };
}

/**
 * The local stack of this file's worker, one of those the integration project's globalSetup started (call it in a
 * test file of that project). VITEST_POOL_ID (1 to maxWorkers) names the worker: two files that run at the same
 * time are in two workers, so they never share a stack.
 */
export function useLocalStack(): LocalStackClient {
  const stacks = inject('localStacks');
  const worker = Number(process.env.VITEST_POOL_ID ?? 1);
  const stack = stacks[(worker - 1) % stacks.length];
  if (stack === undefined) throw new Error('no local stack was provided: run this file in the integration project');
  return connectLocalStack(stack);
}

declare module 'vitest' {
  export interface ProvidedContext {
    localStacks: LocalStackInfo[];
  }
}

function waitForReady(
  child: ChildProcess,
  output: () => string,
  timeoutMs: number,
): Promise<Omit<LocalStackInfo, 'dataDir'> & { dynamodbPid: number }> {
  return new Promise((resolvePromise, reject) => {
    const fail = (message: string) => {
      cleanup();
      reject(new Error(`${message}\n--- local stack output ---\n${output().slice(-20_000)}`));
    };
    const timer = setTimeout(() => fail(`the local stack did not print "ready" within ${timeoutMs} ms`), timeoutMs);
    const onExit = (code: number | null, signal: string | null) =>
      fail(`the local stack exited (code ${code}, signal ${signal}) before it was ready`);
    const onData = () => {
      const text = output();
      const baseUrl = /ready at (http\S+)/.exec(text)?.[1];
      const token = /TOKEN=\S+/.exec(text);
      if (!baseUrl || !token) return;
      cleanup();
      const line = (label: string) => new RegExp(`^\\s*${label}: (\\S+)`, 'm').exec(text)?.[1] ?? '';
      resolvePromise({
        baseUrl,
        emulatorUrl: line('provider'),
        emulatorOrigin: line('provider emulator control').replace(/\/__emulator\/$/, ''),
        sfnEndpoint: line('step functions'),
        // The video pipeline's (the other one delivers webhooks).
        stateMachineArn: /^\s*state machines: .*?(arn:[^,\s]*:stateMachine:Pipeline[^,\s]*)/m.exec(text)?.[1] ?? '',
        deliveryStateMachineArn:
          /^\s*state machines: .*$/m
            .exec(text)?.[0]
            .match(/arn:[^,\s]*:stateMachine:[^,\s]*/g)
            ?.find((arn) => !/:stateMachine:Pipeline/.test(arn)) ?? '',
        dynamodbEndpoint: line('dynamodb local'),
        s3Endpoint: line('s3 \\(s3rver\\)'),
        secretsManagerEndpoint: line('secrets manager'),
        issuer: baseUrl,
        dynamodbPid: Number(/\(pid (\d+);/.exec(text)?.[1] ?? -1),
      });
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.off('exit', onExit);
      child.stdout?.off('data', onData);
    };
    child.once('exit', onExit);
    child.stdout?.on('data', onData);
  });
}

/** SIGTERM, wait (with a deadline) for the stack to exit, then make sure nothing of it is left. */
async function terminate(child: ChildProcess, dynamodbPid: number | undefined): Promise<void> {
  if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
    const exited = new Promise<void>((resolvePromise) => child.once('exit', () => resolvePromise()));
    child.kill('SIGTERM');
    const timedOut = await Promise.race([exited.then(() => false), sleep(30_000).then(() => true)]);
    if (timedOut) killGroup(child.pid, 'SIGKILL');
  }
  if (dynamodbPid !== undefined && dynamodbPid > 0 && isAlive(dynamodbPid)) killGroup(dynamodbPid, 'SIGKILL');
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

export { isAlive };

function sleep(ms: number): Promise<void> {
  return new Promise((resolvePromise) => setTimeout(resolvePromise, ms).unref());
}

/** The environment without the variables set to `undefined` (a caller removing a default). */
function withoutUnset(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

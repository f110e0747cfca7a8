/**
 * `npm start`: the embedded local stack (DynamoDB Local, s3rver, the provider emulator, the local Step Functions
 * engine, the local Secrets Manager and the local HTTP API), running the handlers and the state machine the CDK app
 * synthesizes. Configuration: PORT, REELFLOW_DATA_DIR, PROVIDER_BASE_URL/PROVIDER_API_KEY (the key goes into the
 * local provider secret), EMULATOR_JOB_MS, LOCAL_WAIT_MS or LOCAL_TIME_SCALE, LOCAL_TASK_REPEAT,
 * LOCAL_LAMBDA_TIMEOUT_FACTOR, LOCAL_SCHEDULE_MS, LOCAL_AWS_FAULTS, REELFLOW_CATALOGUE (the model catalogue).
 */
import { POLL_POLICY } from '../shared/pipeline/poll-policy';
import { readLocalConfig } from './config';
import { isAlive } from './services/processes';
import { startLocalStack } from './stack';

const config = readLocalConfig();
const log = (line: string) => console.log(`[local] ${line}`);

// Output is best effort: a stdout or stderr whose reader is gone (`npm start | head` once head has its lines, a closed
// terminal) fails every write with EPIPE or EIO, and that 'error' event, unhandled, would end the stack. It keeps
// serving instead; what it prints from then on is dropped.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

// A signal during start-up exits at once; the 'exit' hook then kills DynamoDB Local's process group.
let stopFor = (reason: string): void => {
  log(`${reason} during start-up: exiting`);
  process.exit(130);
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stopFor(signal));

// The stack stops when the process that started it is gone (tsx's CLI under `npm start`, a test runner), however it
// went: killed with SIGKILL it could pass nothing on. Linux tells a process nothing when its parent dies (node has
// no prctl), so the parent pid is polled: an orphan is adopted by another process and its ppid changes. A starter
// that may die before this line runs names itself in REELFLOW_PARENT_PID (the tests do), so a stack orphaned while
// loading is caught too.
const named = Number(process.env.REELFLOW_PARENT_PID) || undefined;
const parent = process.ppid;
const parentWatch = setInterval(() => {
  if (process.ppid === parent && (named === undefined || isAlive(named))) return;
  clearInterval(parentWatch);
  stopFor('parent process gone');
}, 1000);
parentWatch.unref();

let stack: Awaited<ReturnType<typeof startLocalStack>>;
try {
  stack = await startLocalStack(config, log);
  // "ready" means the API answers: GET /v1/health through the route table, the authorizer-free route, the handler.
  const health = await fetch(`${stack.baseUrl}/v1/health`).catch((error: unknown) => error as Error);
  if (health instanceof Error || health.status !== 200) {
    await stack.stop();
    throw new Error(`GET /v1/health did not answer 200: ${health instanceof Error ? health.message : health.status}`);
  }
} catch (error) {
  console.error('[local] the local stack did not start:', error);
  process.exit(1);
}

/** The longest a clean stop may take before the process exits anyway (its 'exit' hook still ends DynamoDB Local). */
const STOP_DEADLINE_MS = 30_000;
let stoppingSince: number | undefined;
stopFor = (reason: string) => {
  if (stoppingSince !== undefined) {
    // Ctrl-C reaches this process twice under npm/tsx (from the terminal and relayed): only a later one forces exit.
    if (Date.now() - stoppingSince < 2000) return;
    log(`${reason} again: exiting now`);
    process.exit(1);
  }
  stoppingSince = Date.now();
  log(`${reason}: stopping every local service...`);
  // A stop that hangs (a service waiting on work that never ends) must not leave the stack running without a parent.
  setTimeout(() => {
    log(`still stopping after ${STOP_DEADLINE_MS / 1000} s: exiting now`);
    process.exit(1);
  }, STOP_DEADLINE_MS).unref();
  stack.stop().then(
    () => {
      log('stopped');
      process.exit(0);
    },
    (error: unknown) => {
      console.error('[local] stopping failed:', error);
      process.exit(1);
    },
  );
};

const token = await stack.issuer.sign('demo');
if (config.localWaitMs !== undefined && !config.providerBaseUrl) {
  const pollingMs = config.localWaitMs * POLL_POLICY.maxPolls;
  if (pollingMs < config.emulatorJobMs) {
    log(
      `warning: LOCAL_WAIT_MS=${config.localWaitMs} × ${POLL_POLICY.maxPolls} polls is shorter than EMULATOR_JOB_MS=${config.emulatorJobMs}: emulated videos will end timed_out`,
    );
  }
}
console.log(
  [
    `reelflow local stack ready at ${stack.baseUrl}`,
    `  console: ${stack.consoleUrl} (sign in as any user id, with the finance and operators groups)`,
    `  provider: ${stack.providerUrl}`,
    ...(stack.emulatorOrigin ? [`  provider emulator control: ${stack.emulatorOrigin}/__emulator/`] : []),
    `  step functions: ${stack.stepFunctionsEndpoint}`,
    `  state machines: ${stack.stateMachineArns.join(', ')}`,
    `  dynamodb local: ${stack.dynamodbEndpoint} (pid ${stack.dynamodbPid}; tables: ${stack.tables.join(', ')})`,
    `  s3 (s3rver): ${stack.s3Endpoint} (buckets: ${stack.buckets.join(', ')})`,
    `  secrets manager: ${stack.secretsManagerEndpoint}`,
    `  provider webhooks: ${stack.providerWebhooks}`,
    `  catalogue: ${stack.catalogue}`,
    ...(config.timeScale === undefined
      ? []
      : [`  time scale (LOCAL_TIME_SCALE): ${config.timeScale}: waits, emulated jobs and the emulator's rate window`]),
    ...stack.schedules.map((schedule) => `  schedule: ${schedule}`),
    ...(config.awsFaults
      ? [
          `  aws faults (LOCAL_AWS_FAULTS): ${JSON.stringify(config.awsFaults)}; counters at ${stack.baseUrl}/__local/aws-faults`,
        ]
      : []),
    `  data: ${config.dataDir}`,
    `  token for user demo (or: npm run token -- --user ID [--groups a,b]):`,
    `  TOKEN=${token}`,
    `  try: curl -s -X POST ${stack.baseUrl}/v1/videos -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"prompt":"A cat playing piano"}'`,
  ].join('\n'),
);

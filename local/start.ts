/**
 * `npm start`: the embedded local stack (DynamoDB Local, s3rver, the provider emulator, the local Step Functions
 * engine, the local Secrets Manager and the local HTTP API), running the handlers and the state machine the CDK app
 * synthesizes. Configuration: PORT, REELFLOW_DATA_DIR, PROVIDER_BASE_URL/PROVIDER_API_KEY (the key goes into the
 * local provider secret), EMULATOR_JOB_MS, LOCAL_WAIT_MS or LOCAL_TIME_SCALE, LOCAL_TASK_REPEAT,
 * LOCAL_LAMBDA_TIMEOUT_FACTOR, LOCAL_SCHEDULE_MS, LOCAL_AWS_FAULTS.
 */
import { POLL_POLICY } from '../shared/poll-policy';
import { readLocalConfig } from './config';
import { startLocalStack } from './stack';

const config = readLocalConfig();
const log = (line: string) => console.log(`[local] ${line}`);

// A signal during start-up exits at once; the 'exit' hook then kills DynamoDB Local's process group.
const interruptStartUp = (signal: NodeJS.Signals) => {
  log(`${signal} during start-up: exiting`);
  process.exit(130);
};
process.on('SIGINT', interruptStartUp);
process.on('SIGTERM', interruptStartUp);

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

let stoppingSince: number | undefined;
const shutdown = (signal: NodeJS.Signals) => {
  if (stoppingSince !== undefined) {
    // Ctrl-C reaches this process twice under npm/tsx (from the terminal and relayed): only a later one forces exit.
    if (Date.now() - stoppingSince < 2000) return;
    log(`${signal} again: exiting now`);
    process.exit(1);
  }
  stoppingSince = Date.now();
  log(`${signal}: stopping every local service...`);
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
process.off('SIGINT', interruptStartUp);
process.off('SIGTERM', interruptStartUp);
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);

// Started by a test runner (REELFLOW_STOP_WITH_PARENT=1): stop if that runner dies without stopping us first.
if (process.env.REELFLOW_STOP_WITH_PARENT === '1') {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) shutdown('SIGTERM');
  }, 1000).unref();
}

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

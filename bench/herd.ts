import { loadavg } from 'node:os';
import { GATE_MARGIN_SECONDS } from '../shared/provider/gate/policy';
import { runAdmission } from '../test/helpers/admission-run';
import { emulator } from '../test/helpers/api';
import { startLocalStackProcess } from '../test/helpers/local-stack';
import { writeCrowdResults } from './support';

/**
 * `npm run bench -- herd [scale]`: the herd of issue 10 in full: 30 videos of 10 users created at once against a
 * provider that takes 20 requests a minute and runs 5-second jobs (10 job slots), the gate set to the same limits.
 * Before the admission gate 23 of 30 failed as rate-limited; every one must complete. Runs in `scale` time
 * (LOCAL_TIME_SCALE, default 0.1: about 10 minutes of provider time in about one). `npm test` runs a smaller herd
 * (test/integration/admission): a stack's start is most of a test file's time, so one stack serves its tests.
 */
const scale = Number(process.argv[2] ?? 0.1);
const VIDEOS = 30;
const RPM = 20;

const loadBefore = loadavg()[0]!;
console.log(`herd bench: ${VIDEOS} videos at once, ${RPM} rpm, 5-second jobs, LOCAL_TIME_SCALE=${scale}`);
const stack = await startLocalStackProcess({
  env: {
    LOCAL_WAIT_MS: '',
    LOCAL_TIME_SCALE: String(scale),
    EMULATOR_JOB_MS: '5000',
    PROVIDER_MAX_CONCURRENT_JOBS: '10',
    PROVIDER_REQUESTS_PER_MINUTE: String(RPM),
    LOCAL_LAMBDA_TIMEOUT_FACTOR: '3',
    // The deployed webhook wait (the test stacks' 10 s would hand webhook-path videos to polling early).
    PROVIDER_WEBHOOK_WAIT_SECONDS: undefined,
  },
});
let failed = true;
try {
  await emulator.faults(stack, { requests_per_minute: RPM });
  const result = await runAdmission(stack, {
    label: 'herd',
    users: 10,
    videos: VIDEOS,
    timeoutMs: Math.max(300_000, 1_200_000 * scale * 2),
    pollIntervalMs: 500,
  });
  const requests = Object.values(result.requests).reduce((sum, n) => sum + n, 0);
  const providerMinutes = result.elapsedMs / 60_000 / scale;
  failed = result.completed !== VIDEOS || Object.keys(result.failureCodes).length > 0;
  const lines = [
    `completed ${result.completed}/${VIDEOS}; failed by code ${JSON.stringify(result.failureCodes)}`,
    `emulator: requests ${requests} (${(requests / VIDEOS).toFixed(2)} per video) ${JSON.stringify(result.requests)}`,
    `elapsed ${(result.elapsedMs / 1000).toFixed(0)} s = ${providerMinutes.toFixed(1)} min of provider time; ${(requests / providerMinutes).toFixed(1)} requests per provider minute (gate: ${RPM} per ${60 * scale} s + ${GATE_MARGIN_SECONDS} s of margin, real time)`,
  ];
  console.log(lines.join('\n'));
  writeCrowdResults('herd', {
    title: 'herd: 30 creates at once against a provider at 20 requests a minute',
    command: `\`npm run bench -- herd ${scale}\` (LOCAL_TIME_SCALE=${scale}, 5-second jobs, 10 job slots)`,
    loadBefore,
    failed,
    lines,
  });
} catch (error) {
  console.log(`herd bench failed: ${String(error)}\n--- last local stack output ---\n${stack.output().slice(-6000)}`);
} finally {
  await stack.stop();
}
process.exit(failed ? 1 : 0);

import { loadavg } from 'node:os';
import { GATE_MARGIN_SECONDS, MIN_REQUESTS_PER_JOB } from '../shared/provider/gate/policy';
import { runAdmission } from '../test/helpers/admission-run';
import { emulator } from '../test/helpers/api';
import { startLocalStackProcess } from '../test/helpers/local-stack';
import { writeCrowdResults } from './support';

/**
 * `npm run bench -- admission [videos] [users] [scale]`: the provider admission gate under a crowd. `videos`
 * (default 300) from `users` (default 30) users are created at once through the HTTP API against an emulator limited
 * to 10 running jobs and 60 requests a minute, the gate set to the same limits. In `scale` time (LOCAL_TIME_SCALE,
 * default 0.5: the Wait states, the emulated jobs, the emulator's rate window and the gate's window and leases
 * shrink together); figures are in provider time (real time ÷ scale). Checks: every video completes, none fails for
 * rate limits, the emulator refuses no request for its per-minute limit and never sees more than 10 running jobs;
 * reports the throughput against the binding limit, overall and in the steady state (first to last completion).
 * "At once": every create is submitted at the start, 8 at a time (the client's pool), so that 300 simultaneous
 * connections do not overwhelm the one local process under test.
 */
const videos = Number(process.argv[2] ?? 300);
const users = Number(process.argv[3] ?? 30);
const scale = Number(process.argv[4] ?? 0.5);
const MAX_RUNNING = 10;
const RPM = 60;
const JOB_MS = Number(process.env.BENCH_JOB_MS ?? 4000);

const loadBefore = loadavg()[0]!;
console.log(
  `admission bench: ${videos} videos from ${users} users, ${MAX_RUNNING} jobs, ${RPM} rpm, jobs of ${JOB_MS} ms, LOCAL_TIME_SCALE=${scale}`,
);
const stack = await startLocalStackProcess({
  env: {
    LOCAL_WAIT_MS: '',
    LOCAL_TIME_SCALE: String(scale),
    EMULATOR_JOB_MS: String(JOB_MS),
    EMULATOR_MAX_CONCURRENT_JOBS: String(MAX_RUNNING),
    PROVIDER_MAX_CONCURRENT_JOBS: String(MAX_RUNNING),
    PROVIDER_REQUESTS_PER_MINUTE: String(RPM),
    LOCAL_LAMBDA_TIMEOUT_FACTOR: '3',
  },
});
let failed = true;
try {
  await emulator.faults(stack, { requests_per_minute: RPM });
  const result = await runAdmission(stack, {
    label: 'admission-bench',
    users,
    videos,
    timeoutMs: 3 * 3_600_000,
    // One list call per user and round: 30 users every second would load the one local process it measures.
    pollIntervalMs: 5000,
    createConcurrency: 8,
  });
  // Provider time: the emulator's jobs and rate window, and every wait, ran `scale` times as long.
  const minutes = result.elapsedMs / 60_000 / scale;
  const requests = Object.values(result.requests).reduce((sum, n) => sum + n, 0);
  const perVideo = requests / videos;
  const rpmBound = RPM / MIN_REQUESTS_PER_JOB;
  // A slot is held from the create until the poll that sees the job end: at least the job's time.
  const slotBound = MAX_RUNNING / (JOB_MS / 60_000);
  const binding = rpmBound <= slotBound ? 'requests per minute' : 'running jobs';
  const bound = Math.min(rpmBound, slotBound);
  const throughput = result.completed / minutes;
  // Per provider minute: the gate's window is the scaled minute plus the real margin.
  const gateRpm = (RPM * 60 * scale) / (60 * scale + GATE_MARGIN_SECONDS);
  const gateBound = gateRpm / perVideo;
  // Steady state: from the first completion to the last, without the time the first videos take to get through.
  const [first, last] = [result.completedAtMs[0] ?? 0, result.completedAtMs.at(-1) ?? 0];
  const steadyMinutes = (last - first) / 60_000 / scale;
  const steady = steadyMinutes > 0 ? (result.completedAtMs.length - 1) / steadyMinutes : 0;
  const rateLimited = result.failureCodes.provider_rate_limited ?? 0;
  // Requests the emulator refused for its per-minute limit: the gate's window must leave none.
  const { rate_limited_requests: refused = -1 } = (await emulator.jobs(stack)) as { rate_limited_requests?: number };
  // The bar: all complete, none rate-limited, no refusal, never over the slots, and ≥ 90 % of the bound overall.
  failed =
    result.completed !== videos ||
    rateLimited > 0 ||
    refused !== 0 ||
    result.maxRunningJobs > MAX_RUNNING ||
    throughput < 0.9 * bound;
  const lines = [
    `completed ${result.completed}/${videos}; failed by code ${JSON.stringify(result.failureCodes)}`,
    `emulator: most jobs running at once ${result.maxRunningJobs} (limit ${MAX_RUNNING}); 429s for its ${RPM} requests a minute: ${refused}; requests ${requests} (${perVideo.toFixed(2)} per video) ${JSON.stringify(result.requests)}`,
    `elapsed ${(result.elapsedMs / 60_000).toFixed(1)} min real = ${minutes.toFixed(1)} min of provider time; throughput ${throughput.toFixed(2)} videos/min`,
    `bounds: requests ${RPM}/min ÷ ${MIN_REQUESTS_PER_JOB} per video = ${rpmBound.toFixed(2)} videos/min; slots ${MAX_RUNNING} ÷ ${JOB_MS / 1000} s per job = ${slotBound.toFixed(2)} videos/min; ${binding} binds`,
    `throughput / binding bound = ${((100 * throughput) / bound).toFixed(1)} % overall (creates to last completion; target ≥ 90 %)`,
    `steady state (first to last completion, ${steadyMinutes.toFixed(1)} min): ${steady.toFixed(2)} videos/min = ${((100 * steady) / bound).toFixed(1)} % of the binding bound`,
    `the gate hands out ${RPM} tokens per ${60 * scale} s + ${GATE_MARGIN_SECONDS} s (its margin, real time) = ${gateRpm.toFixed(1)} a provider minute: at ${perVideo.toFixed(2)} requests per video that allows ${gateBound.toFixed(2)} videos/min; throughput / that = ${((100 * throughput) / gateBound).toFixed(1)} % overall, ${((100 * steady) / gateBound).toFixed(1)} % steady; requests sent ${(requests / minutes).toFixed(1)} a minute`,
  ];
  console.log(lines.join('\n'));
  writeCrowdResults('admission', {
    title: 'admission: a crowd of creates against a provider that runs 10 jobs and takes 60 requests a minute',
    command: `\`npm run bench -- admission ${videos} ${users} ${scale}\` (emulated jobs of ${JOB_MS} ms, LOCAL_TIME_SCALE=${scale})`,
    loadBefore,
    failed,
    lines,
  });
} catch (error) {
  console.log(
    `admission bench failed: ${String(error)}\n--- last local stack output ---\n${stack.output().slice(-6000)}`,
  );
} finally {
  await stack.stop();
}
process.exit(failed ? 1 : 0);

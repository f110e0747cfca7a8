import { cpus, loadavg } from 'node:os';
import {
  CHAOS_FAULT_KINDS,
  chaosAwsFaults,
  chaosStackOptions,
  describeChaos,
  runChaos,
} from '../test/helpers/chaos-run';
import { startLocalStackProcess } from '../test/helpers/local-stack';
import { seedFrom } from '../test/helpers/random';
import { writeResultsSection } from './support';

/**
 * `npm run bench -- chaos [videos]`: the full chaos run (default 500 videos over 10 users) on its own local stack with
 * LOCAL_AWS_FAULTS at rate 0.05 on every service. Prints the figures for bench/RESULTS.md; exits 1 when an invariant
 * broke or a fault kind was never injected. Replay with CHAOS_SEED=<seed>.
 */
const videos = Number(process.argv[2] ?? 500);
const users = 10;
const seed = seedFrom(process.env.CHAOS_SEED);
console.log(`chaos bench: ${videos} videos, seed ${seed}`);

const stack = await startLocalStackProcess(chaosStackOptions(chaosAwsFaults(seed)));
let failed = true;
try {
  const report = await runChaos(stack, {
    seed,
    users,
    videosPerUser: Math.ceil(videos / users),
    concurrency: 8,
    settleTimeoutMs: 3_600_000,
    log: (line) => console.log(line),
  });
  const summary = describeChaos(report);
  console.log(summary);
  const missing = CHAOS_FAULT_KINDS.filter((kind) => !(report.faultsByKind[kind]! > 0));
  if (missing.length > 0) console.log(`fault kinds never injected: ${missing.join(', ')}`);
  failed = report.problems.length > 0 || missing.length > 0;
  writeResultsSection('chaos', [
    '## chaos: many videos through the HTTP API under AWS and provider faults',
    '',
    `\`CHAOS_SEED=${seed} npm run bench -- chaos ${videos}\` (LOCAL_AWS_FAULTS rate 0.05 on DynamoDB, S3, Step Functions and`,
    'Lambda; provider 429/5xx bursts, failed generations, dropped downloads; random cancels), on',
    `${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)} at the end: ${failed ? 'FAILED' : 'passed'}.`,
    '',
    '```',
    ...summary.split('\n'),
    `fault kinds never injected: ${missing.length === 0 ? 'none' : missing.join(', ')}`,
    '```',
  ]);
} catch (error) {
  console.log(`chaos bench failed: ${String(error)}\n--- last local stack output ---\n${stack.output().slice(-6000)}`);
} finally {
  await stack.stop();
}
process.exit(failed ? 1 : 0);

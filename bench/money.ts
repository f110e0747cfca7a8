import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { runLine, writeResultsSection } from './support';

/**
 * `npm run bench -- money [propertyRuns] [videosPerUser]`: the two money checks at full size, which `npm test` runs
 * CI-sized (250 property runs; 6 videos per user, 60 in all): the fast-check money property test with 1000 runs and
 * the randomized run through the local stack with 20 videos for each of its 10 users (200). Each runs in vitest, as
 * in `npm test`, with its size in the environment; the figures go to bench/RESULTS.md. Exits 1 when either fails.
 */
const propertyRuns = Number(process.argv[2] ?? 1000);
const videosPerUser = Number(process.argv[3] ?? 20);
const loadBefore = loadavg()[0]!;

interface Outcome {
  file: string;
  size: string;
  passed: boolean;
  seconds: number;
  summary: string;
}

function runVitest(file: string, size: string, env: Record<string, string>): Outcome {
  const started = performance.now();
  const result = spawnSync('npx', ['vitest', 'run', file], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    // The randomized run's own deadlines are 20 minutes; this bounds the bench if vitest itself hangs.
    timeout: 45 * 60_000,
  });
  const seconds = (performance.now() - started) / 1000;
  const output = `${result.stdout}\n${result.stderr}`;
  process.stdout.write(output);
  // The run's own summary line (outcomes, charged total, provider requests), when it printed one.
  const summary = output.match(/money randomized run \(seed [^\n]*/)?.[0] ?? '';
  return { file, size, passed: result.status === 0, seconds, summary };
}

const outcomes = [
  runVitest('test/property/money-invariants.test.ts', `${propertyRuns} runs`, {
    MONEY_PROPERTY_RUNS: String(propertyRuns),
  }),
  runVitest('test/integration/money/randomized-run.test.ts', `${videosPerUser * 10} videos over 10 users`, {
    MONEY_RANDOM_VIDEOS_PER_USER: String(videosPerUser),
  }),
];

writeResultsSection('money', [
  '## money: the property test and the randomized run at full size',
  '',
  `Command: \`npm run bench -- money ${propertyRuns} ${videosPerUser}\`. \`npm test\` runs the same files CI-sized`,
  '(MONEY_PROPERTY_RUNS=250, MONEY_RANDOM_VIDEOS_PER_USER=6).',
  '',
  `${runLine(loadBefore)}; ${loadavg()[0]!.toFixed(2)} at the end (the wall times grow with the load).`,
  '',
  '| file | size | result | wall s (vitest included) |',
  '| ---- | ---- | ------ | -----------------------: |',
  ...outcomes.map(
    (outcome) =>
      `| ${outcome.file} | ${outcome.size} | ${outcome.passed ? 'passed' : 'FAILED'} | ${outcome.seconds.toFixed(0)} |`,
  ),
  '',
  ...outcomes.filter((outcome) => outcome.summary).map((outcome) => `\`${outcome.summary}\``),
]);
process.exit(outcomes.every((outcome) => outcome.passed) ? 0 : 1);

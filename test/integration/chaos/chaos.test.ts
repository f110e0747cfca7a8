import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHAOS_FAULT_KINDS,
  chaosStackOptions,
  describeChaos,
  runChaos,
  smallChaosAwsFaults,
} from '../../helpers/chaos-run';
import { type LocalStackProcess, startLocalStackProcess } from '../../helpers/local-stack';
import { seedFrom } from '../../helpers/random';

/*
 * The CI-sized chaos run (the full one is `npm run bench -- chaos`): 40 videos over 4 users through the HTTP API
 * with AWS faults on every service (smallChaosAwsFaults: 0.05, more on services with few calls), provider 429/5xx bursts, failed generations, dropped downloads and random
 * cancels. Replay a run with CHAOS_SEED=<the printed seed>. Its own stack: its faults must not touch other tests.
 */

const SEED = seedFrom(process.env.CHAOS_SEED);

let stack: LocalStackProcess;

beforeAll(async () => {
  stack = await startLocalStackProcess(chaosStackOptions(smallChaosAwsFaults(SEED)));
}, 300_000);
afterAll(async () => {
  await stack?.stop();
});

describe('chaos: AWS and provider faults, cancels', () => {
  it(`ends every video where it should and the money adds up (seed ${SEED})`, async () => {
    const report = await runChaos(stack, {
      seed: SEED,
      users: 4,
      videosPerUser: 10,
      concurrency: 6,
      settleTimeoutMs: 900_000,
      log: (line) => console.info(line),
    }).catch(async (error: unknown) => {
      // The stack's own log (its last 200 KB) is what explains a video left open: keep it for the reader.
      const file = join(tmpdir(), `reelflow-chaos-${SEED}.log`);
      await writeFile(file, stack.output());
      console.error(`chaos run failed; the stack's output is in ${file}`);
      throw error;
    });
    console.info(describeChaos(report));

    expect(report.problems).toEqual([]);
    expect(report.videos).toBe(40);
    // The faults did happen: every kind at least once.
    expect(CHAOS_FAULT_KINDS.filter((kind) => !(report.faultsByKind[kind]! > 0))).toEqual([]);
    expect(report.multipart.aborted).toBeGreaterThan(0);
  }, 1_500_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAdmission } from '../../helpers/admission-run';
import { emulator } from '../../helpers/api';
import { type LocalStackProcess, startLocalStackProcess } from '../../helpers/local-stack';

/*
 * The herd: 30 creates at once against a provider that takes 20 requests a minute and runs 5-second jobs. Before the
 * admission gate, 23 of 30 failed as rate-limited. The emulator's rate window is a real minute and the gate hands
 * out 17 a minute (20 less its burst of 3), so this takes as long as 30 videos' requests take at that pace (about
 * 10 minutes): the deadline is generous, nothing is timed.
 */
let stack: LocalStackProcess;

beforeAll(async () => {
  stack = await startLocalStackProcess({
    env: {
      LOCAL_WAIT_MS: '',
      EMULATOR_JOB_MS: '5000',
      PROVIDER_MAX_CONCURRENT_JOBS: '10',
      PROVIDER_REQUESTS_PER_MINUTE: '20',
      LOCAL_LAMBDA_TIMEOUT_FACTOR: '3',
    },
  });
});
afterAll(async () => {
  await stack?.stop();
});

describe('the herd', () => {
  it('completes 30 of 30 videos created at once against a provider at 20 requests a minute', async () => {
    await emulator.faults(stack, { requests_per_minute: 20 });

    const result = await runAdmission(stack, {
      label: 'herd',
      users: 10,
      videos: 30,
      timeoutMs: 1_200_000,
      pollIntervalMs: 2000,
    });

    expect(result.failureCodes).toEqual({});
    expect(result.completed).toBe(30);
  }, 1_500_000);
});

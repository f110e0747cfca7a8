import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAdmission } from '../../helpers/admission-run';
import { callApi, emulator, eventually, executionArnOf, sfnClient, waitForTerminalVideo } from '../../helpers/api';
import { type LocalStackProcess, startLocalStackProcess } from '../../helpers/local-stack';

/*
 * The provider admission gate on its own local stack (the shared one keeps the gate wide open), sized for `npm test`:
 * one stack start serves both tests (a stack's start is most of this file's time), so one gate: 2 job slots, 20
 * requests a minute, 60-second slot leases, 5-second jobs. All in twentyfold time (LOCAL_TIME_SCALE=0.05: the Wait
 * states, the emulated jobs, the emulator's rate window and the gate's window and leases shrink together, so the
 * ratios the gate lives by hold; LOCAL_WAIT_MS would make every wait one constant and the waiters only spin).
 * The full herd (30 creates, 20 requests a minute) is `npm run bench -- herd`; the crowd, `npm run bench -- admission`.
 */
let stack: LocalStackProcess;

beforeAll(async () => {
  stack = await startLocalStackProcess({
    env: {
      LOCAL_WAIT_MS: '',
      LOCAL_TIME_SCALE: '0.05',
      EMULATOR_JOB_MS: '5000',
      PROVIDER_MAX_CONCURRENT_JOBS: '2',
      PROVIDER_REQUESTS_PER_MINUTE: '20',
      PROVIDER_SLOT_LEASE_SECONDS: '60',
      LOCAL_LAMBDA_TIMEOUT_FACTOR: '3',
    },
  });
});
afterAll(async () => {
  await stack?.stop();
});

/** Requests the emulator has refused for its per-minute limit so far (`rate_limited_requests`). */
async function refusedForRateLimit(): Promise<number> {
  const { rate_limited_requests: refused } = (await emulator.jobs(stack)) as { rate_limited_requests?: number };
  if (refused === undefined) throw new Error('the emulator did not report rate_limited_requests');
  return refused;
}

describe('provider admission gate', () => {
  it('completes a herd of 10 videos of 4 users created at once against a provider running 2 jobs at 20 requests a minute, none rate-limited', async () => {
    await emulator.faults(stack, { max_concurrent_jobs: 2, requests_per_minute: 20 });
    const refusedBefore = await refusedForRateLimit();

    const result = await runAdmission(stack, {
      label: 'admission-ci',
      users: 4,
      videos: 10,
      timeoutMs: 240_000,
      pollIntervalMs: 500,
    });
    await emulator.faults(stack, { max_concurrent_jobs: null, requests_per_minute: null });

    expect(result.failureCodes).toEqual({});
    expect(result.completed).toBe(10);
    expect(result.maxRunningJobs).toBeLessThanOrEqual(2);
    expect(result.maxRunningJobs).toBeGreaterThan(0);
    // The gate kept every request inside the provider's minute: the emulator refused none for its limit.
    expect((await refusedForRateLimit()) - refusedBefore).toBe(0);
  }, 300_000);

  it('returns the slot of a stopped execution to the pool once its lease lapses, while its job still runs at the provider', async () => {
    const token = await stack.token(`lease-${Date.now()}`);
    const create = async (prompt: string) => {
      const reply = await callApi(stack, '/v1/videos', {
        method: 'POST',
        token,
        json: { prompt, size: '1280x720', seconds: '4' },
      });
      expect(reply.status, JSON.stringify(reply.body)).toBe(202);
      return reply.body.id as string;
    };
    const label = `lease ${Date.now()}`;
    await emulator.faults(stack, { never_finish: { match: `${label} stuck` } });
    const stuck = await Promise.all([create(`${label} stuck 1`), create(`${label} stuck 2`)]);
    // Both hold a slot once their jobs exist at the provider.
    await eventually(
      'both stuck jobs running at the provider',
      async () => {
        const { data } = await emulator.jobs(stack);
        return data.filter((job) => job.prompt.startsWith(`${label} stuck`)).length === 2 ? true : undefined;
      },
      { timeoutMs: 60_000 },
    );
    const sfn = sfnClient(stack);
    for (const videoId of stuck) {
      await sfn.send(new StopExecutionCommand({ executionArn: executionArnOf(stack, videoId), error: 'OperatorStop' }));
    }
    sfn.destroy();

    const next = await create(`${label} next`);
    const video = await waitForTerminalVideo(stack, token, next, 120_000);
    const { data } = await emulator.jobs(stack);
    await emulator.faults(stack, { never_finish: null });

    // Nobody released the stuck videos' slots (their jobs never end): only the lapsed leases let the next one in.
    expect(video.status).toBe('completed');
    expect(data.filter((job) => job.prompt.startsWith(`${label} stuck`)).map((job) => job.status)).toEqual([
      'in_progress',
      'in_progress',
    ]);
  }, 300_000);
});

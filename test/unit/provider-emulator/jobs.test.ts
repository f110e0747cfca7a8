import { describe, expect, it } from 'vitest';
import type { JobPlan } from '../../../local/provider-emulator/faults';
import { type Job, JobStore, toResource } from '../../../local/provider-emulator/jobs';

const plain: JobPlan = { failure: null, neverFinish: false, syntheticBytes: null, durationMs: null };
const input = { prompt: 'p', model: 'sora-2', size: '720x1280', seconds: '4', contentTtlSeconds: 3600 };

function storeAt(clock: { now: number }, settled: Job[] = []): JobStore {
  // A long jobMs keeps the real settle timer out of the way; the fake clock drives the lifecycle.
  return new JobStore(
    1_000_000,
    (job) => settled.push(job),
    () => clock.now,
  );
}

describe('provider emulator job store', () => {
  it('returns a job lasting its planned duration times the time scale, and when it finished in ms', () => {
    // Prepare: a 2-minute job at a time scale of 0.1 lasts 12 s.
    const clock = { now: 1_700_000_000_000 };
    const store = new JobStore(
      1_000_000,
      () => undefined,
      () => clock.now,
      0.1,
    );
    const job = store.create({ ...input, plan: { ...plain, durationMs: 120_000 } });

    // Act
    clock.now += 11_999;
    const running = toResource(store.get(job.id)!);
    clock.now += 1;
    const done = store.get(job.id)!;
    store.clear();

    // Assess
    expect(job.durationMs).toBe(12_000);
    expect(running).toMatchObject({ status: 'in_progress', progress: 99 });
    expect(done).toMatchObject({ status: 'completed', finishedAtMs: 1_700_000_012_000 });
  });

  it('returns queued, then in_progress with rising progress, then completed with completed_at and expires_at', () => {
    const clock = { now: 1_700_000_000_000 };
    const settled: Job[] = [];
    const store = storeAt(clock, settled);
    const job = store.create({ ...input, plan: plain });

    const states = [0, 50_000, 150_000, 500_000, 990_000, 1_000_000].map((t) => {
      clock.now = 1_700_000_000_000 + t;
      const { status, progress } = toResource(store.get(job.id)!);
      return `${status}:${progress}`;
    });
    store.clear();

    expect(states).toEqual([
      'queued:0',
      'queued:0',
      'in_progress:15',
      'in_progress:50',
      'in_progress:99',
      'completed:100',
    ]);
    expect(toResource(job)).toMatchObject({ completed_at: 1_700_001_000, expires_at: 1_700_004_600 });
    expect(settled).toEqual([job]);
  });

  it('reports a job settled on time when nobody reads it', async () => {
    const settled: Job[] = [];
    const store = new JobStore(30, (job) => settled.push(job));

    const job = store.create({ ...input, plan: plain });
    const deadline = Date.now() + 5_000;
    while (settled.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    store.clear();

    expect(settled).toEqual([job]);
    expect(job.status).toBe('completed');
  });

  it('returns failed with the planned error and no expiry when the plan says so', () => {
    const clock = { now: 0 };
    const store = storeAt(clock);
    const job = store.create({ ...input, plan: { ...plain, failure: { code: 'moderation_blocked', message: 'm' } } });

    clock.now = 2_000_000;
    const resource = toResource(store.get(job.id)!);
    store.clear();

    expect(resource).toMatchObject({ status: 'failed', error: { code: 'moderation_blocked', message: 'm' } });
    expect(resource).toMatchObject({ completed_at: null, expires_at: null });
  });

  it('returns in_progress below 100 long after the job time when it never finishes', () => {
    const clock = { now: 0 };
    const store = storeAt(clock);
    const job = store.create({ ...input, plan: { ...plain, neverFinish: true } });

    clock.now = 50_000_000;
    const resource = toResource(store.get(job.id)!);
    store.clear();

    expect(resource).toMatchObject({ status: 'in_progress', progress: 99, completed_at: null });
  });
});

import { describe, expect, it } from 'vitest';
import { RetryableProviderError } from '../../../shared/errors';
import {
  type ProgressReadStore,
  progressCacheSeconds,
  readWaitingProgress,
} from '../../../shared/provider/webhooks/progress-read';
import { unixSeconds, type VideoRecord } from '../../../shared/video/video';
import { aProviderJob, aVideo, FakeProvider, FakeProviderGate, fakeLogger, fixedClock } from '../fakes/fakes';

const clock = fixedClock();
const NOW = unixSeconds(clock());
const JOB = 'video_job_1';

/** The store's conditions as the table applies them, on one video. */
class InMemoryProgressStore implements ProgressReadStore {
  claims = 0;
  constructor(public video: VideoRecord) {}
  async markWaiting(): Promise<void> {}
  async claimRead(_videoId: string, now: number, staleBefore: number): Promise<boolean> {
    const readable = this.video.status === 'queued' || this.video.status === 'in_progress';
    if (!readable || (this.video.progressReadAt ?? 0) >= staleBefore) return false;
    this.claims += 1;
    this.video = { ...this.video, progressReadAt: now };
    return true;
  }
  async mirror(_videoId: string, seen: { status: 'queued' | 'in_progress'; progress: number; now: number }) {
    this.video = { ...this.video, status: seen.status, progress: seen.progress, updatedAt: seen.now };
    return true;
  }
}

function setup(overrides: Partial<VideoRecord> = {}) {
  const video = aVideo({
    videoId: 'vid-1',
    status: 'queued',
    progress: 0,
    providerVideoId: JOB,
    updatedAt: NOW - 60,
    webhookWaitUntil: NOW + 200,
    ...overrides,
  });
  const store = new InMemoryProgressStore(video);
  const provider = new FakeProvider();
  provider.jobs.push(aProviderJob({ id: JOB, status: 'in_progress', progress: 42 }));
  const gate = new FakeProviderGate();
  return {
    video,
    store,
    provider,
    gate,
    deps: { store, provider, gate, clock, logger: fakeLogger(), cacheSeconds: 5 },
  };
}

describe('progressCacheSeconds', () => {
  it('returns a period that keeps the reads of every running job within half the requests per minute, at least 5 s', () => {
    expect(progressCacheSeconds({ maxConcurrentJobs: 2, requestsPerMinute: 20 })).toBe(12);
    expect(progressCacheSeconds({ maxConcurrentJobs: 10, requestsPerMinute: 60 })).toBe(20);
    expect(progressCacheSeconds({ maxConcurrentJobs: 2, requestsPerMinute: 600 })).toBe(5);
  });
});

describe('readWaitingProgress', () => {
  it('returns the provider’s progress of a waiting video and mirrors it, then the cached one for 5 s', async () => {
    const { video, store, gate, deps } = setup();
    gate.tokens = 5;

    const first = await readWaitingProgress(video, deps);
    const second = await readWaitingProgress(store.video, deps);

    expect(first).toMatchObject({ status: 'in_progress', progress: 42, updatedAt: NOW });
    expect(store.video).toMatchObject({ status: 'in_progress', progress: 42 });
    expect(second).toMatchObject({ progress: 42 });
    expect(store.claims).toBe(1);
    expect(gate.tokens).toBe(4);
  });

  it('returns the stored progress without reading the provider when the gate has no token', async () => {
    const { video, store, provider, gate, deps } = setup({ progress: 7 });
    gate.tokens = 0;
    provider.retrieveResults.push(new Error('must not be read'));

    await expect(readWaitingProgress(video, deps)).resolves.toMatchObject({ status: 'queued', progress: 7 });
    expect(store.video).toMatchObject({ status: 'queued', progress: 7 });
  });

  it('returns the stored video without reading the provider when it reports no progress', async () => {
    const { video, store, gate, deps } = setup({ progress: 0 });
    const provider = new FakeProvider({ progress: false });
    provider.retrieveResults.push(new Error('must not be read'));
    gate.tokens = 5;

    await expect(readWaitingProgress(video, { ...deps, provider })).resolves.toBe(video);
    expect(store.claims).toBe(0);
    expect(gate.tokens).toBe(5);
  });

  it('returns the stored video untouched when the execution does not wait (polling, or the wait timed out)', async () => {
    const polling = setup({ webhookWaitUntil: undefined });
    const timedOut = setup({ webhookWaitUntil: NOW - 1 });

    await expect(readWaitingProgress(polling.video, polling.deps)).resolves.toBe(polling.video);
    await expect(readWaitingProgress(timedOut.video, timedOut.deps)).resolves.toBe(timedOut.video);
    expect(polling.store.claims + timedOut.store.claims).toBe(0);
  });

  it('leaves a finished job to the webhook and a failing provider to the next reader: the stored progress answers', async () => {
    const finished = setup({ progress: 90 });
    finished.provider.retrieveResults.push(aProviderJob({ id: JOB, status: 'completed', progress: 100 }));
    const failing = setup({ progress: 30 });
    failing.provider.retrieveResults.push(new RetryableProviderError('provider 503'));

    await expect(readWaitingProgress(finished.video, finished.deps)).resolves.toMatchObject({ progress: 90 });
    await expect(readWaitingProgress(failing.video, failing.deps)).resolves.toMatchObject({ progress: 30 });
    expect(finished.store.video.status).toBe('queued');
  });

  it('never lowers the progress a poll or the webhook path wrote', async () => {
    const { video, deps } = setup({ status: 'in_progress', progress: 60 });
    deps.provider.retrieveResults.push(aProviderJob({ id: JOB, status: 'in_progress', progress: 55 }));

    await expect(readWaitingProgress(video, deps)).resolves.toMatchObject({ progress: 60 });
  });
});

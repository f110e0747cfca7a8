import { describe, expect, it } from 'vitest';
import type { Video } from '../../../cli/api-types';
import { CliError } from '../../../cli/errors';
import { waitForVideo } from '../../../cli/wait';
import { videoFixture } from './support';

const policy = { firstDelayMs: 1000, maxDelayMs: 5000, factor: 1.5, timeoutMs: 60_000 };

/** A fake clock that `sleep` advances, and a getVideo that answers from a script (a value or an error per call). */
function scripted(answers: Array<Video | Error>) {
  let now = 0;
  const sleeps: number[] = [];
  const seen: Video[] = [];
  let call = 0;
  return {
    sleeps,
    seen,
    calls: () => call,
    deps: {
      client: {
        getVideo: async () => {
          const answer = answers[Math.min(call++, answers.length - 1)]!;
          if (answer instanceof Error) throw answer;
          return answer;
        },
      },
      onUpdate: (video: Video) => seen.push(video),
      sleep: async (ms: number) => {
        sleeps.push(ms);
        now += ms;
      },
      now: () => now,
      policy,
    },
  };
}

describe('waitForVideo', () => {
  it('returns the completed video after reporting every poll, backing off gently up to the cap', async () => {
    // Prepare
    const progress = [0, 5, 20, 40, 60, 80, 99];
    const run = scripted([
      ...progress.map((value) => videoFixture({ status: value === 0 ? 'queued' : 'in_progress', progress: value })),
      videoFixture({ status: 'storing', progress: 100 }),
      videoFixture({ status: 'completed', progress: 100 }),
    ]);

    // Act
    const video = await waitForVideo('vid_01TEST', run.deps);

    // Assess
    expect(video.status).toBe('completed');
    expect(run.seen.map((seen) => seen.status)).toEqual([
      ...progress.map((value) => (value === 0 ? 'queued' : 'in_progress')),
      'storing',
      'completed',
    ]);
    expect(run.sleeps).toEqual([1000, 1500, 2250, 3375, 5000, 5000, 5000, 5000]);
  });

  it('returns a failed video as it is (the caller reports its error)', async () => {
    // Prepare
    const failed = videoFixture({ status: 'failed', error: { code: 'moderation_blocked', message: 'blocked' } });
    const run = scripted([videoFixture(), failed]);

    // Act
    const video = await waitForVideo('vid_01TEST', run.deps);

    // Assess
    expect(video).toEqual(failed);
  });

  it('keeps polling through 5xx, 429 and network errors within the deadline', async () => {
    // Prepare
    const run = scripted([
      new CliError('boom', { code: 'internal_error', status: 503 }),
      new CliError('slow down', { code: 'rate_limited', status: 429 }),
      new CliError('cannot connect', { network: true }),
      videoFixture({ status: 'completed', progress: 100 }),
    ]);

    // Act
    const video = await waitForVideo('vid_01TEST', run.deps);

    // Assess
    expect(video.status).toBe('completed');
    expect(run.calls()).toBe(4);
  });

  it('throws at once when the API answers a client error such as 404', async () => {
    // Prepare
    const notFound = new CliError('No video', { code: 'not_found', status: 404 });
    const run = scripted([notFound]);

    // Act / Assess
    await expect(waitForVideo('vid_01TEST', run.deps)).rejects.toBe(notFound);
    expect(run.calls()).toBe(1);
  });

  it('throws wait_timeout naming the video when it is still running at the deadline', async () => {
    // Prepare
    const run = scripted([videoFixture({ status: 'in_progress', progress: 50 })]);

    // Act
    const error = await waitForVideo('vid_01TEST', run.deps).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).toLine()).toBe(
      'error: wait_timeout: vid_01TEST did not finish within 60 s; it goes on: reelflow get vid_01TEST',
    );
    expect(run.sleeps.reduce((total, ms) => total + ms, 0)).toBe(60_000);
  });
});

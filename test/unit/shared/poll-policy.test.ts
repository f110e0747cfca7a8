import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maxPollWaitSeconds } from '../../../shared/pipeline/duration';
import {
  baseWaitSeconds,
  longestPollWaitSeconds,
  maxTotalWaitSeconds,
  nextPollWait,
  nextWaitSeconds,
  POLL_POLICY,
  type ProgressTrack,
} from '../../../shared/pipeline/poll-policy';

describe('poll-policy', () => {
  it('returns waits that grow by 1.5 per poll until the cap when there is no jitter', () => {
    // Prepare
    const polls = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20];

    // Act
    const waits = polls.map((count) => baseWaitSeconds(count));

    // Assess
    expect(waits.slice(0, 4)).toEqual([5, 7.5, 11.25, 16.875]);
    for (let index = 1; index < waits.length; index++) {
      const expected = Math.min(POLL_POLICY.maxWaitSeconds, waits[index - 1]! * POLL_POLICY.growthFactor);
      if (polls[index]! - polls[index - 1]! === 1) expect(waits[index]).toBeCloseTo(expected);
    }
    expect(waits.at(-1)).toBe(POLL_POLICY.maxWaitSeconds);
  });

  it('returns waits jittered within ±20% of the base, in whole seconds, when random varies', () => {
    // Prepare
    const base = baseWaitSeconds(3);

    // Act
    const lowest = nextWaitSeconds(3, { random: () => 0 });
    const middle = nextWaitSeconds(3, { random: () => 0.5 });
    const highest = nextWaitSeconds(3, { random: () => 0.999_999 });

    // Assess
    expect(lowest).toBe(Math.ceil(base * 0.8));
    expect(middle).toBe(Math.ceil(base));
    expect(highest).toBe(Math.ceil(base * 1.2));
    expect(Number.isInteger(lowest) && Number.isInteger(highest)).toBe(true);
  });

  it('returns at most the cap plus jitter when polls are many', () => {
    // Act
    const wait = nextWaitSeconds(100, { random: () => 0.999_999 });

    // Assess
    expect(wait).toBe(Math.ceil(POLL_POLICY.maxWaitSeconds * (1 + POLL_POLICY.jitterRatio)));
  });

  it('returns the provider retry-after when it is longer than the computed wait', () => {
    // Act
    const wait = nextWaitSeconds(0, { retryAfterSeconds: 42, random: () => 0.5 });

    // Assess
    expect(wait).toBe(42);
  });

  it('returns the capped retry-after when the provider asks for too long', () => {
    // Act
    const wait = nextWaitSeconds(0, { retryAfterSeconds: 10_000, random: () => 0.5 });

    // Assess
    expect(wait).toBe(POLL_POLICY.maxRetryAfterSeconds);
  });

  it('returns a total wait bound that covers every poll at its jittered maximum', () => {
    // Act
    const total = maxTotalWaitSeconds();

    // Assess
    let sum = 0;
    for (let polls = 0; polls < POLL_POLICY.maxPolls; polls++)
      sum += nextWaitSeconds(polls, { random: () => 0.999_999 });
    expect(total).toBeGreaterThanOrEqual(sum);
  });
});

describe('poll-policy nextPollWait', () => {
  const queued: ProgressTrack = { progress: 0, progressAgeSeconds: 0 };

  it('returns the growing schedule while the job is queued at 0%', () => {
    // Act
    const next = nextPollWait({ polls: 3, track: queued, waitedSeconds: 9, progress: 0 }, { random: () => 0.5 });

    // Assess
    expect(next.waitSeconds).toBe(nextWaitSeconds(3, { random: () => 0.5 }));
    expect(next.track).toEqual({ progress: 0, progressAgeSeconds: 9 });
  });

  it('returns a wait aimed just past the predicted finish, jittered downwards only, when progress moved', () => {
    // Prepare: 10% → 30% in 10 s is 2 points a second: 70 points left are 35 s, plus the 1 s margin.
    const track: ProgressTrack = { progress: 10, progressAgeSeconds: 0 };

    // Act
    const unjittered = nextPollWait({ polls: 2, track, waitedSeconds: 10, progress: 30 }, { random: () => 0 });
    const mostJittered = nextPollWait(
      { polls: 2, track, waitedSeconds: 10, progress: 30 },
      { random: () => 0.999_999 },
    );

    // Assess
    expect(unjittered).toEqual({
      waitSeconds: 36,
      track: { progress: 30, progressAgeSeconds: 0, progressPerSecond: 2 },
    });
    expect(mostJittered.waitSeconds).toBe(Math.ceil(36 * (1 - POLL_POLICY.jitterRatio)));
  });

  it('returns the speed measured over every second since the previous value was first seen', () => {
    // Prepare: progress stood at 20% for 15 s before the last 5 s wait, then reached 40%.
    const track: ProgressTrack = { progress: 20, progressAgeSeconds: 15, progressPerSecond: 9 };

    // Act
    const next = nextPollWait({ polls: 5, track, waitedSeconds: 5, progress: 40 }, { random: () => 0 });

    // Assess
    expect(next.track).toEqual({ progress: 40, progressAgeSeconds: 0, progressPerSecond: 1 });
    expect(next.waitSeconds).toBe(POLL_POLICY.maxWaitSeconds);
  });

  it('returns the minimum wait when the job is about to finish', () => {
    // Act
    const next = nextPollWait(
      { polls: 4, track: { progress: 50, progressAgeSeconds: 0 }, waitedSeconds: 1, progress: 99 },
      { random: () => 0.5 },
    );

    // Assess
    expect(next.waitSeconds).toBe(POLL_POLICY.minWaitSeconds);
  });

  it('returns longer waits while progress stands still, up to the cap, for a job stuck near the end', () => {
    // Prepare: it moved fast once, then stood at 99% for a minute.
    const track: ProgressTrack = { progress: 99, progressAgeSeconds: 30, progressPerSecond: 5 };

    // Act
    const next = nextPollWait({ polls: 8, track, waitedSeconds: 30, progress: 99 }, { random: () => 0 });

    // Assess: at most one point per 60 s, 1 point left.
    expect(next.track).toEqual({ progress: 99, progressAgeSeconds: 60, progressPerSecond: 5 });
    expect(next.waitSeconds).toBe(POLL_POLICY.maxWaitSeconds);
  });

  describe('for a provider that reports no progress', () => {
    const noProgress = { progressReported: false, random: () => 0 } as const;

    it('returns a wait aimed just past the model’s expected duration, counted from the job’s creation', () => {
      // Prepare: 10 s waited before, 5 s before this poll: 15 s since the create; a 40 s job has 25 s left.
      const track: ProgressTrack = { progress: 0, progressAgeSeconds: 10 };

      // Act
      const next = nextPollWait({ polls: 2, track, waitedSeconds: 5 }, { ...noProgress, expectedJobSeconds: 40 });

      // Assess: 25 s + the 1 s margin; the track only ages.
      expect(next).toEqual({ waitSeconds: 26, track: { progress: 0, progressAgeSeconds: 15 } });
    });

    it('returns at most maxWaitSeconds for a long job, and the minimum wait just before its expected end', () => {
      const track: ProgressTrack = { progress: 0, progressAgeSeconds: 0 };

      const long = nextPollWait({ polls: 1, track, waitedSeconds: 5 }, { ...noProgress, expectedJobSeconds: 600 });
      const almost = nextPollWait({ polls: 1, track, waitedSeconds: 5 }, { ...noProgress, expectedJobSeconds: 5.5 });

      expect(long.waitSeconds).toBe(POLL_POLICY.maxWaitSeconds);
      expect(almost.waitSeconds).toBe(POLL_POLICY.minWaitSeconds);
    });

    it('returns the growing schedule past the expected duration, when it is unknown, or with strategy backoff', () => {
      const track: ProgressTrack = { progress: 0, progressAgeSeconds: 50 };
      const observation = { polls: 4, track, waitedSeconds: 10 };
      const grown = nextWaitSeconds(4, { random: () => 0 });

      const late = nextPollWait(observation, { ...noProgress, expectedJobSeconds: 60 });
      const unknown = nextPollWait(observation, noProgress);
      const backoff = nextPollWait(observation, { ...noProgress, expectedJobSeconds: 600, strategy: 'backoff' });

      expect([late.waitSeconds, unknown.waitSeconds, backoff.waitSeconds]).toEqual([grown, grown, grown]);
    });

    it('returns never sooner than the provider’s retry-after', () => {
      const track: ProgressTrack = { progress: 0, progressAgeSeconds: 0 };

      const next = nextPollWait(
        { polls: 1, track, waitedSeconds: 5, retryAfterSeconds: 90 },
        { ...noProgress, expectedJobSeconds: 20 },
      );

      expect(next.waitSeconds).toBe(90);
    });
  });

  it('returns the growing schedule with strategy backoff, whatever progress says', () => {
    // Act
    const next = nextPollWait(
      { polls: 2, track: { progress: 10, progressAgeSeconds: 0 }, waitedSeconds: 10, progress: 30 },
      { strategy: 'backoff', random: () => 0.5 },
    );

    // Assess
    expect(next.waitSeconds).toBe(nextWaitSeconds(2, { random: () => 0.5 }));
  });

  it('returns the provider retry-after when it is later than the predicted finish, and ages the track', () => {
    // Prepare
    const track: ProgressTrack = { progress: 90, progressAgeSeconds: 0, progressPerSecond: 5 };

    // Act
    const next = nextPollWait({ polls: 6, track, waitedSeconds: 3, retryAfterSeconds: 45 }, { random: () => 0 });

    // Assess
    expect(next.waitSeconds).toBe(45);
    expect(next.track).toEqual({ progress: 90, progressAgeSeconds: 3, progressPerSecond: 5 });
  });

  it('returns no speed after progress went back', () => {
    // Act
    const next = nextPollWait(
      {
        polls: 6,
        track: { progress: 60, progressAgeSeconds: 0, progressPerSecond: 5 },
        waitedSeconds: 3,
        progress: 10,
      },
      { random: () => 0.5 },
    );

    // Assess
    expect(next.track).toEqual({ progress: 10, progressAgeSeconds: 0 });
    expect(next.waitSeconds).toBe(nextWaitSeconds(6, { random: () => 0.5 }));
  });

  const observations = fc.record({
    polls: fc.integer({ min: 1, max: POLL_POLICY.maxPolls }),
    track: fc.record(
      {
        progress: fc.integer({ min: 0, max: 100 }),
        progressAgeSeconds: fc.integer({ min: 0, max: 10_000 }),
        progressPerSecond: fc.double({ min: 0.000_1, max: 1000, noNaN: true }),
      },
      { requiredKeys: ['progress', 'progressAgeSeconds'] },
    ),
    waitedSeconds: fc.integer({ min: 0, max: 200 }),
    progress: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
    retryAfterSeconds: fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: undefined }),
  });
  const draws = fc.tuple(
    observations,
    fc.double({ min: 0, max: 0.999_999, noNaN: true }),
    fc.constantFrom('progress' as const, 'backoff' as const),
  );

  it('returns whole seconds never below the minimum wait nor the (capped) retry-after, whatever it sees', () => {
    fc.assert(
      fc.property(draws, ([observation, draw, strategy]) => {
        const { waitSeconds } = nextPollWait(observation, { strategy, random: () => draw });
        const retryAfter = Math.min(observation.retryAfterSeconds ?? 0, POLL_POLICY.maxRetryAfterSeconds);
        expect(Number.isInteger(waitSeconds)).toBe(true);
        expect(waitSeconds).toBeGreaterThanOrEqual(POLL_POLICY.minWaitSeconds);
        expect(waitSeconds).toBeGreaterThanOrEqual(retryAfter);
      }),
    );
  });

  it('returns waits never above the cap (plus the growing schedule jitter, or a longer retry-after)', () => {
    fc.assert(
      fc.property(draws, ([observation, draw, strategy]) => {
        const { waitSeconds } = nextPollWait(observation, { strategy, random: () => draw });
        const retryAfter = Math.min(observation.retryAfterSeconds ?? 0, POLL_POLICY.maxRetryAfterSeconds);
        const cap = Math.ceil(POLL_POLICY.maxWaitSeconds * (1 + POLL_POLICY.jitterRatio));
        expect(waitSeconds).toBeLessThanOrEqual(Math.max(cap, retryAfter));
        expect(waitSeconds).toBeLessThanOrEqual(longestPollWaitSeconds());
      }),
    );
  });

  it('returns at most maxWaitSeconds when it aims at a predicted finish without a retry-after', () => {
    fc.assert(
      fc.property(draws, ([observation, draw]) => {
        const aimed = { ...observation, retryAfterSeconds: undefined };
        const progressAware = nextPollWait(aimed, { strategy: 'progress', random: () => draw });
        const backoff = nextPollWait(aimed, { strategy: 'backoff', random: () => draw });
        if (progressAware.waitSeconds !== backoff.waitSeconds) {
          expect(progressAware.waitSeconds).toBeLessThanOrEqual(POLL_POLICY.maxWaitSeconds);
        }
      }),
    );
  });

  it('returns waits within the same bounds when it aims at an expected duration (a provider without progress)', () => {
    fc.assert(
      fc.property(
        draws,
        fc.option(fc.integer({ min: 1, max: 4000 }), { nil: undefined }),
        ([observation, draw, strategy], expected) => {
          const { waitSeconds } = nextPollWait(observation, {
            strategy,
            random: () => draw,
            progressReported: false,
            ...(expected === undefined ? {} : { expectedJobSeconds: expected }),
          });
          const retryAfter = Math.min(observation.retryAfterSeconds ?? 0, POLL_POLICY.maxRetryAfterSeconds);
          expect(Number.isInteger(waitSeconds)).toBe(true);
          expect(waitSeconds).toBeGreaterThanOrEqual(Math.max(POLL_POLICY.minWaitSeconds, retryAfter));
          expect(waitSeconds).toBeLessThanOrEqual(longestPollWaitSeconds());
        },
      ),
    );
  });

  it('returns a poll loop wait bound (execution timeout) covering every wait either strategy can choose', () => {
    // Assess: every iteration, the one that fails as timed out included, at the longest wait.
    expect(maxPollWaitSeconds()).toBe((POLL_POLICY.maxPolls + 1) * longestPollWaitSeconds());
    expect(longestPollWaitSeconds()).toBe(
      Math.max(Math.ceil(POLL_POLICY.maxWaitSeconds * (1 + POLL_POLICY.jitterRatio)), POLL_POLICY.maxRetryAfterSeconds),
    );
  });
});

import { describe, expect, it } from 'vitest';
import { baseWaitSeconds, maxTotalWaitSeconds, nextWaitSeconds, POLL_POLICY } from '../../../shared/poll-policy';

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

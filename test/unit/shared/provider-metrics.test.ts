import { describe, expect, it } from 'vitest';
import { observedFetch } from '../../../shared/provider/provider-metrics';
import { fakeMetrics } from '../fakes/fakes';

describe('observedFetch', () => {
  it.each([
    [200, 0, 0],
    [401, 1, 0],
    [403, 1, 0],
    [429, 0, 1],
    [500, 0, 0],
  ])('measures a %i answer: latency, %i auth failures, %i rate limits', async (status, auth, limited) => {
    const metrics = fakeMetrics();
    const fetch = observedFetch(metrics, async () => new Response(null, { status }));

    const response = await fetch('https://provider.example/v1/videos');

    expect(response.status).toBe(status);
    expect(metrics.added.filter((metric) => metric.name === 'ProviderLatency')).toHaveLength(1);
    expect(metrics.total('ProviderAuthFailures')).toBe(auth);
    expect(metrics.total('ProviderRateLimited')).toBe(limited);
  });

  it('measures nothing when no answer came', async () => {
    const metrics = fakeMetrics();
    const fetch = observedFetch(metrics, async () => {
      throw new TypeError('fetch failed');
    });

    await expect(fetch('https://provider.example/v1/videos')).rejects.toThrow('fetch failed');
    expect(metrics.added).toEqual([]);
  });
});

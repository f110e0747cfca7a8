import type { AppMetrics } from '../observability/powertools';

/** The fetch the `openai` SDK calls (its `fetch` client option). */
export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * Wraps the provider client's fetch so every answer the provider gives is measured where it arrives:
 * `ProviderLatency` (ms until the response headers), `ProviderAuthFailures` (401/403: the key is wrong, revoked or
 * lacks access; no retry fixes it) and `ProviderRateLimited` (429). A request that got no answer (network, timeout)
 * is not measured here: it surfaces as a retried RetryableProviderError.
 */
export function observedFetch(metrics: AppMetrics, inner: Fetch = fetch): Fetch {
  return async (input, init) => {
    const started = performance.now();
    const response = await inner(input, init);
    metrics.addMetric('ProviderLatency', 'Milliseconds', Math.round(performance.now() - started));
    if (response.status === 401 || response.status === 403) metrics.addMetric('ProviderAuthFailures', 'Count', 1);
    if (response.status === 429) metrics.addMetric('ProviderRateLimited', 'Count', 1);
    return response;
  };
}

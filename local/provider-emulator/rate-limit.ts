import { ApiError } from './api-error';
import type { FaultState } from './faults';
import type { Headers } from './http-reply';

const RATE_WINDOW_MS = 60_000;

/**
 * The provider's request limits as the emulator plays them: a rate-limit storm set as a fault, and the per-minute
 * request limit (a sliding 60 s window) with OpenAI's `x-ratelimit-*` and `retry-after` headers.
 */
export class RequestRateLimiter {
  private acceptedRequestTimes: number[] = [];
  /** Requests refused for the per-minute limit (not storms): a client that keeps to the limit sees none. */
  rejectedForLimit = 0;

  /**
   * @param timeScale the window lasts 60 s × timeScale (the local stack's LOCAL_TIME_SCALE); `retry-after` and the
   *   reset header still speak unscaled time, which the time-scaled engine shrinks again when it waits them
   */
  constructor(
    private readonly faults: FaultState,
    private readonly timeScale = 1,
  ) {}

  /** Throws a 429 from a storm or the per-minute limit; sets `x-ratelimit-*` headers when a limit is configured. */
  check(headers: Headers, prompt: string | null): void {
    const storm = this.faults.takeRateLimitStorm(prompt);
    if (storm) {
      const retryAfter = storm.retry_after_seconds ?? 1;
      const stormHeaders: Headers = {
        'retry-after': String(retryAfter),
        'x-ratelimit-limit-requests': String(this.faults.requestsPerMinute ?? 60),
        'x-ratelimit-remaining-requests': '0',
        'x-ratelimit-reset-requests': `${retryAfter}s`,
      };
      if (storm.retry_after_ms !== undefined) stormHeaders['retry-after-ms'] = String(storm.retry_after_ms);
      throw rateLimited('Rate limit reached for requests. Please try again later.', stormHeaders);
    }
    const limit = this.faults.requestsPerMinute;
    if (limit === null) return;
    const now = Date.now();
    const windowMs = RATE_WINDOW_MS * this.timeScale;
    this.acceptedRequestTimes = this.acceptedRequestTimes.filter((t) => t > now - windowMs);
    const oldest = this.acceptedRequestTimes[0] ?? now;
    const resetMs = Math.max(0, oldest + windowMs - now) / this.timeScale;
    headers['x-ratelimit-limit-requests'] = String(limit);
    headers['x-ratelimit-reset-requests'] = formatDuration(resetMs);
    if (this.acceptedRequestTimes.length >= limit) {
      headers['x-ratelimit-remaining-requests'] = '0';
      this.rejectedForLimit += 1;
      const seconds = Math.min(60, Math.max(1, Math.ceil(resetMs / 1000)));
      throw rateLimited(
        `Rate limit reached for requests per min (RPM): Limit ${limit}, Used ${limit}, Requested 1. Please try again in ${seconds}s.`,
        { ...headers, 'retry-after': String(seconds) },
      );
    }
    this.acceptedRequestTimes.push(now);
    headers['x-ratelimit-remaining-requests'] = String(limit - this.acceptedRequestTimes.length);
  }

  /** Forgets every accepted request (the emulator's reset). */
  reset(): void {
    this.acceptedRequestTimes = [];
    this.rejectedForLimit = 0;
  }
}

function rateLimited(message: string, headers: Headers): ApiError {
  return new ApiError(429, message, { type: 'requests', code: 'rate_limit_exceeded', headers });
}

/** OpenAI's reset format: `1s`, `6m0s`, `120ms`. */
function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = Math.ceil(ms / 1000);
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${seconds % 60}s`;
}

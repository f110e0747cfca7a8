import type { Video } from './api-types';
import type { ApiClient } from './client';
import { CliError } from './errors';

const TERMINAL = new Set<Video['status']>(['completed', 'failed', 'cancelled']);

/** How `waitForVideo` polls: a gentle backoff from `firstDelayMs` up to `maxDelayMs`, within `timeoutMs`. */
export interface WaitPolicy {
  firstDelayMs: number;
  maxDelayMs: number;
  factor: number;
  timeoutMs: number;
}

export const DEFAULT_WAIT_POLICY: WaitPolicy = {
  firstDelayMs: 1000,
  maxDelayMs: 5000,
  factor: 1.5,
  timeoutMs: 900_000,
};

export interface WaitDeps {
  client: Pick<ApiClient, 'getVideo'>;
  /** Called with every video read, the first one included. */
  onUpdate: (video: Video) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  policy?: WaitPolicy;
}

/**
 * Polls GET /v1/videos/{id} until the video is terminal and returns it. A 429, a 5xx or a network failure is
 * retried within the deadline; any other API error ends the wait. Past the deadline it throws `wait_timeout`
 * (the video itself goes on).
 */
export async function waitForVideo(id: string, deps: WaitDeps): Promise<Video> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = deps.now ?? Date.now;
  const policy = deps.policy ?? DEFAULT_WAIT_POLICY;
  const deadline = now() + policy.timeoutMs;
  let delay = policy.firstDelayMs;
  for (;;) {
    let lastError: CliError | undefined;
    try {
      const video = await deps.client.getVideo(id);
      deps.onUpdate(video);
      if (TERMINAL.has(video.status)) return video;
    } catch (error) {
      if (!(error instanceof CliError && error.retryable)) throw error;
      lastError = error;
    }
    const remaining = deadline - now();
    if (remaining <= 0) {
      throw (
        lastError ??
        new CliError(
          `${id} did not finish within ${Math.round(policy.timeoutMs / 1000)} s; it goes on: reelflow get ${id}`,
          { code: 'wait_timeout' },
        )
      );
    }
    await sleep(Math.min(delay, remaining));
    delay = Math.min(policy.maxDelayMs, Math.round(delay * policy.factor));
  }
}

import { ApiError } from './api-error';
import type { FaultState } from './faults';
import type { JobStore } from './jobs';

/**
 * The provider's running-job limit: `EMULATOR_MAX_CONCURRENT_JOBS`, overridden by the `max_concurrent_jobs` fault
 * while set. Also remembers the most jobs seen running at once since the last reset (reported by the control route).
 */
export class ConcurrencyLimiter {
  private maxRunning = 0;

  /**
   * @param defaultLimit jobs that may run at once when no fault says otherwise (null: any number)
   * @param timeScale the local stack's LOCAL_TIME_SCALE: `retry-after` is told in unscaled seconds, as the rate
   * limiter's, since the local engine scales the wait made of it back down
   */
  constructor(
    private readonly jobs: JobStore,
    private readonly faults: FaultState,
    private readonly defaultLimit: number | null,
    private readonly timeScale: number,
  ) {}

  /** Admits one more running job, or throws the 429 a provider answers to a create over its limit. */
  admit(): void {
    const running = this.running();
    const limit = this.faults.maxConcurrentJobs ?? this.defaultLimit;
    if (limit !== null && running >= limit) throw concurrencyLimited(limit, this.jobs.soonestEndMs(), this.timeScale);
    this.maxRunning = Math.max(this.maxRunning, running + 1);
  }

  /** Jobs queued or in progress now. */
  running(): number {
    return this.jobs.all().filter((job) => job.status === 'queued' || job.status === 'in_progress').length;
  }

  /** The most jobs running at once since the last reset. */
  get maxRunningJobs(): number {
    return this.maxRunning;
  }

  reset(): void {
    this.maxRunning = 0;
  }
}

/**
 * The 429 a provider answers to a create over its concurrency limit: OpenAI's error envelope with `retry-after`
 * (whole seconds until the first running job is due to end, 1..60).
 */
function concurrencyLimited(limit: number, soonestEndMs: number | null, timeScale: number): ApiError {
  const seconds = Math.min(60, Math.max(1, Math.ceil((soonestEndMs ?? 1000) / 1000 / timeScale)));
  return new ApiError(
    429,
    `Too many concurrent video jobs: Limit ${limit}. Please try again in ${seconds}s once a running job has finished.`,
    { type: 'requests', code: 'rate_limit_exceeded', headers: { 'retry-after': String(seconds) } },
  );
}

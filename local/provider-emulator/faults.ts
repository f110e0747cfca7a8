import { z } from 'zod';

/**
 * Faults the emulator can inject, set at start (`EmulatorOptions.faults`, `EMULATOR_FAULTS`) or per test through
 * `POST /__emulator/faults`. Every field is optional; how `match` and `count` target jobs, and when a generation fault
 * is decided: local/provider-emulator/README.md, "Faults".
 */
export interface Faults {
  /** Requests per rolling minute allowed on `/v1/*`; beyond it, 429 with `retry-after` (at most 60). */
  requests_per_minute?: number | null;
  /**
   * Jobs that may run at once (`queued` or `in_progress`); a create (or remix, edit, extend) beyond it answers 429
   * with `retry-after`, as a provider's concurrency limit does. Overrides `EMULATOR_MAX_CONCURRENT_JOBS` while set.
   */
  max_concurrent_jobs?: number | null;
  /** A "429 storm": the next `count` `/v1/*` requests answer 429 whatever the rate. */
  rate_limit_storm?: RateLimitStorm | null;
  /** The next `count` requests (on `routes`, default all `/v1/*` routes) answer `status`. */
  error_burst?: ErrorBurst | null;
  /** Jobs created while this is set (and matching) end `failed` with this error. */
  fail_generation?: FailGeneration | null;
  /** Jobs created while this is set (and matching) stay `in_progress` forever. */
  never_finish?: JobTarget | null;
  /** Downloads (any variant, matching job) send `bytes` bytes then drop the connection; `count` defaults to 1. */
  drop_download_after_bytes?: DropDownload | null;
  /** Every download is throttled to this many bytes per second. */
  slow_download_bytes_per_second?: number | null;
  /** Creates (`POST /v1/videos`) are accepted and stored, then the socket is destroyed unanswered; `count` defaults to 1. */
  drop_after_create?: JobTarget | null;
  /** Creates (`POST /v1/videos`) are accepted and stored, then answered `ms` later (a create in flight); `count` defaults to 1. */
  delay_create_answer?: JobDuration | null;
  /** Jobs created while this is set serve a synthetic MP4 of exactly this many bytes, streamed, never held in memory. */
  synthetic_video_bytes?: number | null;
  /** How long completed content stays downloadable (`expires_at - completed_at`); default 3600. */
  content_ttl_seconds?: number | null;
  /** Jobs created while this is set (and matching) take `ms` instead of the emulator's `jobMs`. */
  job_ms?: JobDuration | null;
  /** The `video.completed` / `video.failed` webhook of a matching job is never sent (a lost delivery); `count` defaults to 1. */
  drop_webhook?: JobTarget | null;
}

/** Names of the `/v1` routes, used by `error_burst.routes` and the request counters. */
export type EmulatorRoute = 'create' | 'list' | 'retrieve' | 'delete' | 'content' | 'remix' | 'edit' | 'extend';

export interface JobTarget {
  /** Only jobs whose prompt contains this substring. */
  match?: string;
  /** How many jobs (or requests) the fault applies to before it clears itself; omitted = every one. */
  count?: number;
}

export interface RateLimitStorm {
  count: number;
  /**
   * Only requests about a job whose prompt contains this substring: the create's body `prompt`, or the prompt of
   * the job a route addresses (retrieve, content, delete, remix). Omitted = every `/v1/*` request.
   */
  match?: string;
  /** `retry-after` header in seconds (integer, 1..60); default 1. */
  retry_after_seconds?: number;
  /** Also send `retry-after-ms` (the openai SDK prefers it). */
  retry_after_ms?: number;
}

export interface ErrorBurst {
  status: 500 | 503;
  count: number;
  routes?: EmulatorRoute[];
  /** Only requests about a matching job, as for `RateLimitStorm.match`. Omitted = every request on `routes`. */
  match?: string;
}

export interface FailGeneration extends JobTarget {
  /** The job's `error.code`, e.g. `moderation_blocked`. */
  code: string;
  message?: string;
}

export interface DropDownload extends JobTarget {
  bytes: number;
  /** Keep the connection open this long after the last byte before dropping it (a client mid-upload finishes its part). */
  hold_ms?: number;
}

export interface JobDuration extends JobTarget {
  /** How long the job takes, in ms (before the emulator's time scale). */
  ms: number;
}

/** The generation outcome stamped on a job when it is created. */
export interface JobPlan {
  failure: { code: string; message: string } | null;
  neverFinish: boolean;
  syntheticBytes: number | null;
  /** How long the job takes (unscaled ms), when `job_ms` set it; null = the emulator's `jobMs`. */
  durationMs: number | null;
}

const DEFAULT_FAILURE_MESSAGES: Record<string, string> = {
  moderation_blocked: 'Your request was blocked by our moderation system.',
};

/** Holds the current faults and consumes the counted ones. */
export class FaultState {
  private faults: Faults = {};

  constructor(initial: Faults = {}) {
    this.merge(initial);
  }

  /** Merges `patch` into the current faults; a `null` value removes that fault. */
  merge(patch: Faults): void {
    const next: Record<string, unknown> = { ...this.faults };
    for (const [key, value] of Object.entries(patch)) {
      if (value === null || value === undefined) delete next[key];
      else next[key] = typeof value === 'object' && !Array.isArray(value) ? { ...value } : value;
    }
    this.faults = next as Faults;
  }

  reset(): void {
    this.faults = {};
  }

  current(): Faults {
    return structuredClone(this.faults);
  }

  get requestsPerMinute(): number | null {
    return this.faults.requests_per_minute ?? null;
  }

  get maxConcurrentJobs(): number | null {
    return this.faults.max_concurrent_jobs ?? null;
  }

  get slowDownloadBytesPerSecond(): number | null {
    return this.faults.slow_download_bytes_per_second ?? null;
  }

  get contentTtlSeconds(): number {
    return this.faults.content_ttl_seconds ?? 3600;
  }

  /** True while a 429 storm or error burst targets prompts: only then must a request's prompt be looked up. */
  get matchesPrompts(): boolean {
    return this.faults.rate_limit_storm?.match !== undefined || this.faults.error_burst?.match !== undefined;
  }

  /**
   * Consumes one request of a 429 storm; returns the storm's retry settings when this request must answer 429.
   * `prompt` is the prompt of the job the request is about (null when none or unknown).
   */
  takeRateLimitStorm(prompt: string | null = null): RateLimitStorm | null {
    const storm = this.faults.rate_limit_storm;
    if (!storm || storm.count <= 0) return null;
    if (!matches(storm.match, prompt)) return null;
    storm.count -= 1;
    if (storm.count <= 0) delete this.faults.rate_limit_storm;
    return { ...storm };
  }

  /** Consumes one request of an error burst on `route`; returns the status to answer, or null. */
  takeErrorBurst(route: EmulatorRoute, prompt: string | null = null): 500 | 503 | null {
    const burst = this.faults.error_burst;
    if (!burst || burst.count <= 0) return null;
    if (burst.routes && !burst.routes.includes(route)) return null;
    if (!matches(burst.match, prompt)) return null;
    burst.count -= 1;
    if (burst.count <= 0) delete this.faults.error_burst;
    return burst.status;
  }

  /** Decides, once, how a new job with `prompt` will end. */
  planJob(prompt: string): JobPlan {
    const failure = this.take('fail_generation', prompt);
    const neverFinish = this.take('never_finish', prompt) !== null;
    const duration = this.take('job_ms', prompt);
    return {
      durationMs: duration?.ms ?? null,
      failure: failure
        ? {
            code: failure.code,
            message:
              failure.message ?? DEFAULT_FAILURE_MESSAGES[failure.code] ?? `Video generation failed: ${failure.code}.`,
          }
        : null,
      neverFinish,
      syntheticBytes: this.faults.synthetic_video_bytes ?? null,
    };
  }

  /** True when this accepted create must be dropped without an answer. */
  takeDropAfterCreate(prompt: string): boolean {
    return this.take('drop_after_create', prompt, 1) !== null;
  }

  /** How long (ms) to hold the answer to this accepted create, or null to answer at once. */
  takeDelayCreateAnswer(prompt: string): number | null {
    return this.take('delay_create_answer', prompt, 1)?.ms ?? null;
  }

  /** True when the webhook of the job with `prompt`, which just ended, must not be sent. */
  takeDropWebhook(prompt: string): boolean {
    return this.take('drop_webhook', prompt, 1) !== null;
  }

  /** Where this download must drop (after `bytes`, held open `holdMs` first), or null. */
  takeDropDownload(prompt: string): { bytes: number; holdMs: number } | null {
    const drop = this.take('drop_download_after_bytes', prompt, 1);
    return drop === null ? null : { bytes: drop.bytes, holdMs: drop.hold_ms ?? 0 };
  }

  private take<
    K extends
      | 'fail_generation'
      | 'never_finish'
      | 'drop_after_create'
      | 'delay_create_answer'
      | 'drop_download_after_bytes'
      | 'job_ms'
      | 'drop_webhook',
  >(key: K, prompt: string, defaultCount?: number): NonNullable<Faults[K]> | null {
    const fault = this.faults[key] as (JobTarget & NonNullable<Faults[K]>) | undefined;
    if (!fault) return null;
    if (fault.match !== undefined && !prompt.includes(fault.match)) return null;
    const count = fault.count ?? defaultCount;
    if (count !== undefined) {
      if (count <= 1) delete this.faults[key];
      else fault.count = count - 1;
    }
    return fault;
  }
}

/** True when a fault without `match` applies, or `prompt` contains its `match`. */
function matches(match: string | undefined, prompt: string | null): boolean {
  return match === undefined || prompt?.includes(match) === true;
}

const jobTarget = { match: z.string().optional(), count: z.number().int().positive().optional() };

/** Validates fault JSON from the control route and `EMULATOR_FAULTS`. */
export const faultsSchema = z
  .object({
    requests_per_minute: z.number().int().positive().nullish(),
    max_concurrent_jobs: z.number().int().positive().nullish(),
    rate_limit_storm: z
      .object({
        count: z.number().int().nonnegative(),
        retry_after_seconds: z.number().int().min(1).max(60).optional(),
        retry_after_ms: z.number().nonnegative().optional(),
        match: z.string().optional(),
      })
      .strict()
      .nullish(),
    error_burst: z
      .object({
        status: z.union([z.literal(500), z.literal(503)]),
        count: z.number().int().nonnegative(),
        routes: z
          .array(z.enum(['create', 'list', 'retrieve', 'delete', 'content', 'remix', 'edit', 'extend']))
          .optional(),
        match: z.string().optional(),
      })
      .strict()
      .nullish(),
    fail_generation: z
      .object({ code: z.string().min(1), message: z.string().optional(), ...jobTarget })
      .strict()
      .nullish(),
    never_finish: z.object(jobTarget).strict().nullish(),
    drop_download_after_bytes: z
      .object({
        bytes: z.number().int().nonnegative(),
        hold_ms: z.number().int().nonnegative().max(60_000).optional(),
        ...jobTarget,
      })
      .strict()
      .nullish(),
    slow_download_bytes_per_second: z.number().positive().nullish(),
    drop_after_create: z.object(jobTarget).strict().nullish(),
    delay_create_answer: z
      .object({ ms: z.number().int().positive(), ...jobTarget })
      .strict()
      .nullish(),
    drop_webhook: z.object(jobTarget).strict().nullish(),
    synthetic_video_bytes: z.number().int().positive().nullish(),
    content_ttl_seconds: z.number().nonnegative().nullish(),
    job_ms: z
      .object({ ms: z.number().int().positive(), ...jobTarget })
      .strict()
      .nullish(),
  })
  .strict() satisfies z.ZodType<Faults>;

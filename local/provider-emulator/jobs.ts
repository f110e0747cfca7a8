import { randomBytes } from 'node:crypto';
import type { JobPlan } from './faults';

export type VideoStatus = 'queued' | 'in_progress' | 'completed' | 'failed';

/** A video job as the emulator keeps it. Times are milliseconds unless named `...At` seconds in the resource. */
export interface Job {
  readonly id: string;
  readonly seq: number;
  readonly prompt: string;
  readonly model: string;
  readonly size: string;
  readonly seconds: string;
  readonly remixedFromVideoId: string | null;
  readonly createdAtMs: number;
  readonly durationMs: number;
  readonly contentTtlSeconds: number;
  readonly plan: JobPlan;
  status: VideoStatus;
  progress: number;
  /** When the job ended (completed or failed), in ms: what a benchmark measures detection lag from. */
  finishedAtMs: number | null;
  completedAt: number | null;
  expiresAt: number | null;
  error: { code: string; message: string } | null;
}

/** The provider's `VideoResource`. */
export interface VideoResource {
  id: string;
  object: 'video';
  model: string;
  status: VideoStatus;
  progress: number;
  created_at: number;
  completed_at: number | null;
  expires_at: number | null;
  prompt: string | null;
  size: string;
  seconds: string;
  remixed_from_video_id: string | null;
  error: { code: string; message: string } | null;
}

export interface NewJob {
  prompt: string;
  model: string;
  size: string;
  seconds: string;
  remixedFromVideoId?: string | null;
  plan: JobPlan;
  contentTtlSeconds: number;
}

/** Share of a job's time spent `queued` before it turns `in_progress`. */
const QUEUED_SHARE = 0.1;

/**
 * Keeps jobs and moves each one through `queued` → `in_progress` (rising `progress`) → `completed` | `failed`
 * after `jobMs`. State is derived from the clock on every read, and a timer settles each job on time so that
 * webhooks fire without anyone polling.
 */
export class JobStore {
  private readonly jobs = new Map<string, Job>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private seq = 0;

  /**
   * @param jobMs how long a job takes unless its plan says otherwise
   * @param timeScale every job's duration is multiplied by it (the local stack's LOCAL_TIME_SCALE), so a shortened
   *   run keeps a 2-minute job four times as long as a 30-second one
   */
  constructor(
    private readonly jobMs: number,
    private readonly onSettled: (job: Job) => void,
    private readonly now: () => number = Date.now,
    private readonly timeScale = 1,
  ) {}

  create(input: NewJob): Job {
    const job: Job = {
      id: `video_${randomBytes(24).toString('hex')}`,
      seq: this.seq++,
      prompt: input.prompt,
      model: input.model,
      size: input.size,
      seconds: input.seconds,
      remixedFromVideoId: input.remixedFromVideoId ?? null,
      createdAtMs: this.now(),
      durationMs: Math.max(1, Math.round((input.plan.durationMs ?? this.jobMs) * this.timeScale)),
      contentTtlSeconds: input.contentTtlSeconds,
      plan: input.plan,
      status: 'queued',
      progress: 0,
      finishedAtMs: null,
      completedAt: null,
      expiresAt: null,
      error: null,
    };
    this.jobs.set(job.id, job);
    if (!job.plan.neverFinish) this.settleOnTime(job, job.durationMs);
    return job;
  }

  get(id: string): Job | undefined {
    const job = this.jobs.get(id);
    if (job) this.refresh(job);
    return job;
  }

  delete(id: string): void {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    this.jobs.delete(id);
  }

  /**
   * Ends every unfinished job whose prompt contains `match` now, as the provider would: `completed` (with content)
   * or `failed` with `error`; webhooks fire as for a job that ended on time. Returns the jobs ended.
   */
  finish(match: string, outcome: { status: 'completed' } | { status: 'failed'; error: Job['error'] }): Job[] {
    const ended: Job[] = [];
    for (const job of this.all()) {
      if (job.status === 'completed' || job.status === 'failed' || !job.prompt.includes(match)) continue;
      clearTimeout(this.timers.get(job.id));
      this.timers.delete(job.id);
      job.finishedAtMs = this.now();
      if (outcome.status === 'failed') {
        job.status = 'failed';
        job.error = outcome.error;
      } else {
        const finishedAt = Math.floor(this.now() / 1000);
        job.status = 'completed';
        job.progress = 100;
        job.completedAt = finishedAt;
        job.expiresAt = finishedAt + job.contentTtlSeconds;
      }
      this.onSettled(job);
      ended.push(job);
    }
    return ended;
  }

  /** Milliseconds until the first unfinished job is due to end; null when none is running (or none will end). */
  soonestEndMs(): number | null {
    let soonest: number | null = null;
    for (const job of this.all()) {
      if (job.status === 'completed' || job.status === 'failed' || job.plan.neverFinish) continue;
      const remaining = Math.max(0, job.createdAtMs + job.durationMs - this.now());
      soonest = soonest === null ? remaining : Math.min(soonest, remaining);
    }
    return soonest;
  }

  /** Every job, oldest first. */
  all(): Job[] {
    const jobs = [...this.jobs.values()].sort((a, b) => a.seq - b.seq);
    for (const job of jobs) this.refresh(job);
    return jobs;
  }

  clear(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.jobs.clear();
  }

  /** Settles the job when its time is up, even if nobody reads it (timers may fire a little before the clock says). */
  private settleOnTime(job: Job, delayMs: number): void {
    const timer = setTimeout(() => {
      const remaining = job.createdAtMs + job.durationMs - this.now();
      if (remaining > 0) this.settleOnTime(job, remaining);
      else this.refresh(job);
    }, delayMs);
    timer.unref();
    this.timers.set(job.id, timer);
  }

  private refresh(job: Job): void {
    if (job.status === 'completed' || job.status === 'failed') return;
    const elapsed = this.now() - job.createdAtMs;
    if (elapsed < job.durationMs * QUEUED_SHARE) return;
    if (job.plan.neverFinish) {
      job.status = 'in_progress';
      // Rises as usual, then stays at 99 for ever.
      job.progress = Math.min(99, Math.max(1, Math.floor((elapsed / job.durationMs) * 100)));
      return;
    }
    if (elapsed < job.durationMs) {
      job.status = 'in_progress';
      job.progress = Math.min(99, Math.max(1, Math.floor((elapsed / job.durationMs) * 100)));
      return;
    }
    this.settle(job);
  }

  private settle(job: Job): void {
    const finishedAt = Math.floor((job.createdAtMs + job.durationMs) / 1000);
    this.timers.delete(job.id);
    job.finishedAtMs = job.createdAtMs + job.durationMs;
    if (job.plan.failure) {
      job.status = 'failed';
      job.error = { ...job.plan.failure };
    } else {
      job.status = 'completed';
      job.progress = 100;
      job.completedAt = finishedAt;
      job.expiresAt = finishedAt + job.contentTtlSeconds;
    }
    this.onSettled(job);
  }
}

export function toResource(job: Job): VideoResource {
  return {
    id: job.id,
    object: 'video',
    model: job.model,
    status: job.status,
    progress: job.progress,
    created_at: Math.floor(job.createdAtMs / 1000),
    completed_at: job.completedAt,
    expires_at: job.expiresAt,
    prompt: job.prompt,
    size: job.size,
    seconds: job.seconds,
    remixed_from_video_id: job.remixedFromVideoId,
    error: job.error,
  };
}

import * as z from 'zod/mini';
import {
  ConflictError,
  GenerationFailedError,
  GenerationTimedOutError,
  RetryableProviderError,
} from '../../shared/errors';
import type { AppLogger, AppMetrics } from '../../shared/observability/powertools';
import { nextPollWait, POLL_POLICY, type PollPolicy, type PollStrategy } from '../../shared/pipeline/poll-policy';
import type { JobState, PipelineInput } from '../../shared/pipeline/types';
import type { ProviderGate } from '../../shared/provider/gate/provider-gate';
import type { ProviderAdapter, ProviderJob } from '../../shared/provider/port';
import type { VideoRepository } from '../../shared/video/store';
import { unixSeconds } from '../../shared/video/video';

export interface PollGenerationJobDeps {
  videos: Pick<VideoRepository, 'updateStatus'>;
  /**
   * The provider behind the admission gate's request tokens (GatedVideoProvider): every poll takes a token. Its
   * capabilities say whether it reports progress (else the waits aim at the model's expected duration).
   */
  provider: Pick<ProviderAdapter, 'retrieve' | 'capabilities'>;
  /** The admission gate: each poll renews the job's slot, the poll that sees the job end frees it. */
  gate: Pick<ProviderGate, 'renewSlot' | 'releaseSlot'>;
  clock: () => Date;
  logger: Pick<AppLogger, 'info' | 'warn'>;
  metrics: AppMetrics;
  policy?: PollPolicy;
  /** How the next wait is chosen (default `progress`). */
  strategy?: PollStrategy;
  random?: () => number;
}

const jobStateSchema = z.object({
  providerVideoId: z.string().check(z.minLength(1)),
  status: z.enum(['queued', 'in_progress', 'completed']),
  progress: z.number(),
  polls: z.number().check(z.int(), z.gte(0)),
  waitSeconds: z.number(),
  progressAgeSeconds: z.optional(z.number().check(z.gte(0))),
  progressPerSecond: z.optional(z.number().check(z.gt(0))),
  expectedJobSeconds: z.optional(z.number().check(z.gt(0))),
  resumedBy: z.optional(z.literal('webhook')),
  createdAt: z.optional(z.nullable(z.number())),
  completedAt: z.optional(z.nullable(z.number())),
});

/** The task's input: the execution input plus the job state at `$.job`. */
export type PollGenerationJobInput = PipelineInput & { job: JobState };

/** Reads the job state from the task's event (a plain Error when it is missing: a wiring defect, not retried). */
export function pollInput(event: PipelineInput & { job?: unknown }): PollGenerationJobInput {
  return { ...event, job: jobStateSchema.parse(event.job) };
}

/**
 * PollGenerationJob: one look at the provider's job. Mirrors status and progress onto the video; `completed` lets
 * the state machine move on; `failed` throws GenerationFailedError("<code>: <message>"); more than maxPolls polls
 * throws GenerationTimedOutError. A 429 is not an error here: the state is kept and the next wait honours
 * retry-after. Other transient failures throw RetryableProviderError for the state machine's retry.
 * The admission gate: a poll takes a request token (none: handled as a 429), renews the job's slot while it runs and
 * frees it once the job ended at the provider. StoreVideoInS3 takes its downloads' tokens itself, each just before
 * its request.
 */
export async function pollGenerationJob(input: PollGenerationJobInput, deps: PollGenerationJobDeps): Promise<JobState> {
  const policy = deps.policy ?? POLL_POLICY;
  const { job } = input;
  if (job.polls >= policy.maxPolls) {
    throw new GenerationTimedOutError(
      `Provider job ${job.providerVideoId} did not finish within ${policy.maxPolls} polls`,
    );
  }
  const polls = job.polls + 1;
  const progressReported = deps.provider.capabilities.progress;
  const {
    progressAgeSeconds: _age,
    progressPerSecond: _speed,
    resumedBy: _resumed,
    createdAt: _created,
    completedAt: _completed,
    ...untracked
  } = job;
  // The next wait and the progress track it was computed from, both carried in the job state to the next poll.
  const next = (seen: { progress?: number; retryAfterSeconds?: number }) => {
    const { waitSeconds, track } = nextPollWait(
      {
        polls,
        track: {
          progress: job.progress,
          progressAgeSeconds: job.progressAgeSeconds ?? 0,
          ...(job.progressPerSecond === undefined ? {} : { progressPerSecond: job.progressPerSecond }),
        },
        waitedSeconds: job.waitSeconds,
        ...seen,
      },
      {
        ...(deps.strategy === undefined ? {} : { strategy: deps.strategy }),
        ...(deps.random === undefined ? {} : { random: deps.random }),
        ...(progressReported
          ? {}
          : {
              progressReported,
              ...(job.expectedJobSeconds === undefined ? {} : { expectedJobSeconds: job.expectedJobSeconds }),
            }),
      },
      policy,
    );
    const { progress: _, ...carried } = track;
    return { polls, waitSeconds, ...carried };
  };
  const completed = async (times: { createdAt: number | null; completedAt: number | null }) => {
    await deps.gate.releaseSlot(input.videoId);
    const now = unixSeconds(deps.clock());
    if (times.completedAt !== null) {
      if (times.createdAt !== null) {
        deps.metrics.addMetric('GenerationSeconds', 'Seconds', Math.max(0, times.completedAt - times.createdAt));
      }
      // How long a finished job waited for us to notice: the poll policy's waits, or polls failing meanwhile.
      deps.metrics.addMetric('CompletionDetectionLagSeconds', 'Seconds', Math.max(0, now - times.completedAt));
    }
    await mirror(input.videoId, { status: 'in_progress', progress: 100, now }, deps);
    deps.logger.info('Provider job completed', { providerVideoId: job.providerVideoId, polls });
    return { ...untracked, status: 'completed' as const, progress: 100, ...next({ progress: 100 }) };
  };
  // Resumed by the provider's webhook: the receiver read the job from the provider (it never trusts the event body)
  // and found it completed moments ago. That read is the confirmation; reading again would spend a second request of
  // the provider's minute on the same answer, so this visit does only a completed poll's bookkeeping.
  if (job.resumedBy === 'webhook' && job.status === 'completed') {
    return completed({ createdAt: job.createdAt ?? null, completedAt: job.completedAt ?? null });
  }
  deps.metrics.addMetric('Polls', 'Count', 1);
  await deps.gate.renewSlot(input.videoId);

  let video: ProviderJob;
  try {
    video = await deps.provider.retrieve(job.providerVideoId);
  } catch (error) {
    if (error instanceof RetryableProviderError && error.rateLimited) {
      deps.logger.warn('Provider rate limited the poll; waiting', { retryAfterSeconds: error.retryAfterSeconds });
      return {
        ...untracked,
        ...next(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }),
      };
    }
    throw error;
  }

  const now = unixSeconds(deps.clock());
  switch (video.status) {
    case 'failed': {
      await deps.gate.releaseSlot(input.videoId);
      const code = video.error?.code ?? 'provider_failed';
      throw new GenerationFailedError(code, `${code}: ${video.error?.message ?? 'The provider failed the job'}`);
    }
    case 'completed':
      return completed({ createdAt: video.createdAt, completedAt: video.completedAt });
    default: {
      const progress = Math.max(0, Math.min(100, Math.round(video.progress)));
      await mirror(input.videoId, { status: video.status, progress, now }, deps);
      // Without progress the poll saw no progress: the track's age is then the time since the job was created.
      return { ...untracked, status: video.status, progress, ...next(progressReported ? { progress } : {}) };
    }
  }
}

/** Mirrors the job onto the video; a video that went terminal meanwhile (cancelled) ends the polling. */
async function mirror(
  videoId: string,
  update: { status: 'queued' | 'in_progress'; progress: number; now: number },
  deps: PollGenerationJobDeps,
): Promise<void> {
  if (!(await deps.videos.updateStatus(videoId, update))) {
    throw new ConflictError(`Video ${videoId} is terminal or gone; polling stops`);
  }
}

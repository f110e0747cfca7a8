import { PROVIDER_GATE_POLICY } from '../provider/gate/policy';
import { WEBHOOK_WAIT_POLICY } from '../provider/webhooks/wait-policy';
import { longestPollWaitSeconds, POLL_POLICY, type PollPolicy, RATE_LIMITED_CREATE_POLICY } from './poll-policy';

/*
 * How long one pipeline execution can run at most, in plain numbers (no CDK, no SDK: infra imports it as a value):
 * the state machine's whole-execution timeout (state-machines/video-pipeline.ts), each task function's Lambda timeout
 * (infra/constructs/video-pipeline.ts) and the money module's deadline watch (shared/money/) all derive from it, so a
 * video whose execution ended without settling (timed out, RecordFailure out of retries, stopped by an operator) has
 * its reservation released once the execution can no longer be running.
 */

/** Backoff of every retrier: 2 s, 4 s, 8 s ... capped at 60 s, full jitter, at most 6 retries. */
export const TRANSIENT_RETRY = {
  intervalSeconds: 2,
  backoffRate: 2,
  maxAttempts: 6,
  maxDelaySeconds: 60,
} as const;

/**
 * The Lambda timeout of each task's function: infra/constructs/video-pipeline.ts sets each function's timeout from
 * this, so one attempt of a task state never runs longer. 60 s is longer than one provider request may take
 * (PROVIDER_TIMEOUT_MS, 30 s by default), so a slow provider surfaces as a retried RetryableProviderError instead of
 * a Lambda timeout; StoreVideoInS3 streams a whole MP4 into S3, which takes minutes for a large video.
 */
export const TASK_TIMEOUT_SECONDS = {
  createGenerationJob: 60,
  pollGenerationJob: 60,
  storeVideo: 900,
  recordCompletion: 60,
  recordFailure: 60,
  waitForProviderWebhook: 60,
} as const;

/** Margin of the deadline watch past the longest execution (the start lags the reservation; clocks differ). */
export const DEADLINE_WATCH_MARGIN_SECONDS = 3600;

/** The longest all retries of one task state can wait between attempts (each backoff at its cap; jitter only shortens). */
export function maxRetryWaitSeconds(retry = TRANSIENT_RETRY): number {
  let total = 0;
  for (let retryNumber = 0; retryNumber < retry.maxAttempts; retryNumber++) {
    total += Math.min(retry.maxDelaySeconds, retry.intervalSeconds * retry.backoffRate ** retryNumber);
  }
  return total;
}

/** The longest one visit of a task state can take: every attempt runs to its timeout, every retry waits its most. */
export function maxTaskVisitSeconds(timeoutSeconds: number, retry = TRANSIENT_RETRY): number {
  return (1 + retry.maxAttempts) * timeoutSeconds + maxRetryWaitSeconds(retry);
}

/**
 * The longest the poll loop's WaitBeforePoll states can wait in total: every iteration (maxPolls, plus the one that
 * fails as timed out, as history-budget.ts counts them) at the longest one wait can be, whichever wait the poll chose
 * (the growing schedule at its jittered cap, a wait aimed at a predicted finish, or the provider's retry-after up to
 * maxRetryAfterSeconds): longestPollWaitSeconds.
 */
export function maxPollWaitSeconds(policy: PollPolicy = POLL_POLICY): number {
  return (policy.maxPolls + 1) * longestPollWaitSeconds(policy);
}

/**
 * The longest the rate-limit loop can add: every allowed WaitForProviderRateLimit at its capped, jittered maximum,
 * each followed by one more CreateGenerationJob visit with every retry used.
 */
export function maxRateLimitedCreateSeconds(
  rateLimit = RATE_LIMITED_CREATE_POLICY,
  createTaskVisitSeconds = maxTaskVisitSeconds(TASK_TIMEOUT_SECONDS.createGenerationJob),
): number {
  const longestWait = Math.ceil(rateLimit.maxWaitSeconds * (1 + rateLimit.jitterRatio));
  return rateLimit.maxWaits * (longestWait + createTaskVisitSeconds);
}

/**
 * The longest the admission loop can add: every allowed WaitForProviderAdmission at its cap, each followed by one
 * more CreateGenerationJob visit with every retry used. A video waiting its turn at the gate is never taken for stuck.
 */
export function maxAdmissionWaitSeconds(
  gate = PROVIDER_GATE_POLICY,
  createTaskVisitSeconds = maxTaskVisitSeconds(TASK_TIMEOUT_SECONDS.createGenerationJob),
): number {
  return gate.maxWaits * (gate.maxWaitSeconds + createTaskVisitSeconds);
}

/**
 * The longest one execution can run: CreateGenerationJob with every rate-limit and admission wait, the wait for the
 * provider's webhook (WaitForProviderWebhook at its longest, WEBHOOK_WAIT_POLICY.maxWaitSeconds), every poll iteration (its wait and a PollGenerationJob
 * using all its retries), StoreVideoInS3, RecordCompletion and RecordFailure (a run ends through one of the two,
 * counting both keeps the bound simple), each attempt at its function's timeout. Far above any real run (about 95 h
 * with today's values); it bounds how long a reservation can be held, it is not an expected duration.
 */
export function maxPipelineSeconds(
  policy: PollPolicy = POLL_POLICY,
  retry = TRANSIENT_RETRY,
  timeouts: Record<keyof typeof TASK_TIMEOUT_SECONDS, number> = TASK_TIMEOUT_SECONDS,
): number {
  const task = (seconds: number) => maxTaskVisitSeconds(seconds, retry);
  return (
    task(timeouts.createGenerationJob) +
    maxRateLimitedCreateSeconds(RATE_LIMITED_CREATE_POLICY, task(timeouts.createGenerationJob)) +
    maxAdmissionWaitSeconds(PROVIDER_GATE_POLICY, task(timeouts.createGenerationJob)) +
    // WaitForProviderWebhook: its function's attempts, then the wait for the webhook at its longest.
    task(timeouts.waitForProviderWebhook) +
    WEBHOOK_WAIT_POLICY.maxWaitSeconds +
    maxPollWaitSeconds(policy) +
    (policy.maxPolls + 1) * task(timeouts.pollGenerationJob) +
    task(timeouts.storeVideo) +
    task(timeouts.recordCompletion) +
    task(timeouts.recordFailure)
  );
}

/** When a video created at `createdAt` (unix seconds) is past any execution of it: its deadline watch fires then. */
export function deadlineWatchAt(createdAt: number): number {
  return createdAt + maxPipelineSeconds() + DEADLINE_WATCH_MARGIN_SECONDS;
}

import { TRANSIENT_RETRY } from '../shared/pipeline/duration';
import { POLL_POLICY, RATE_LIMITED_CREATE_POLICY } from '../shared/pipeline/poll-policy';
import { PROVIDER_GATE_POLICY } from '../shared/provider/gate/policy';

/** Step Functions Standard executions fail once their history reaches this many events. */
export const EXECUTION_HISTORY_EVENT_LIMIT = 25_000;

/**
 * Events Step Functions writes per state, counted as an upper bound.
 * A Lambda Task state invoked by ARN writes TaskStateEntered, then per attempt LambdaFunctionScheduled,
 * LambdaFunctionStarted and LambdaFunctionSucceeded|Failed|TimedOut, then TaskStateExited. Entered/Exited are
 * written once per visit, but we count them on every attempt (5 events per attempt) to stay on the safe side.
 */
export const EVENTS_PER_STATE = {
  /** TaskStateEntered, LambdaFunctionScheduled, LambdaFunctionStarted, LambdaFunctionSucceeded|Failed, TaskStateExited. */
  taskAttempt: 5,
  /** WaitStateEntered, WaitStateExited. */
  wait: 2,
  /** ChoiceStateEntered, ChoiceStateExited. */
  choice: 2,
  /** SucceedStateEntered, SucceedStateExited. */
  succeed: 2,
  /** FailStateEntered. */
  fail: 1,
  /**
   * A `.waitForTaskToken` Task attempt: TaskStateEntered, TaskScheduled, TaskStarted, TaskSubmitted,
   * TaskSucceeded|Failed|TimedOut, TaskStateExited.
   */
  callbackTaskAttempt: 6,
  /** ExecutionStarted and one of ExecutionSucceeded|Failed|TimedOut|Aborted. */
  execution: 2,
} as const;

export interface HistoryBudget {
  /** Attempts of one Task at most: the first plus every retry. */
  readonly attemptsPerTask: number;
  /** Events of one Task visit with every retry used. */
  readonly eventsPerTask: number;
  /** Events of one poll iteration: WaitBeforePoll + PollGenerationJob (all retries) + IsGenerationFinished. */
  readonly eventsPerPollIteration: number;
  /** Poll iterations of the longest run: maxPolls, plus the one that fails as timed out. */
  readonly pollIterations: number;
  /** Events of one rate-limit iteration: IsProviderRateLimited + WaitForProviderRateLimit + CreateGenerationJob. */
  readonly eventsPerRateLimitIteration: number;
  /** Events of one admission iteration: IsProviderRateLimited + WaitForProviderAdmission + CreateGenerationJob. */
  readonly eventsPerAdmissionIteration: number;
  /** Events of the webhook wait: DoesProviderSendWebhooks + WaitForProviderWebhook (all retries). */
  readonly eventsOfWebhookWait: number;
  /** Upper bound of the events in the longest run. */
  readonly totalEvents: number;
}

/**
 * The most history events one execution can produce: CreateGenerationJob with every rate-limit wait (each one
 * IsProviderRateLimited, WaitForProviderRateLimit and another CreateGenerationJob) and every admission-gate wait
 * (IsProviderRateLimited, WaitForProviderAdmission, CreateGenerationJob), then DoesProviderSendWebhooks and the wait
 * for the provider's webhook (WaitForProviderWebhook; a resumed wait's confirming poll is one of the polls), then the
 * longest poll loop, then
 * StoreVideoInS3 and RecordCompletion and VideoReady, plus RecordFailure and VideoFailed (a run ends through one
 * of the two, counting both keeps the bound simple); every Task uses every retry.
 */
export function maxExecutionHistoryEvents(
  policy: { readonly maxPolls: number } = POLL_POLICY,
  retry: { readonly maxAttempts: number } = TRANSIENT_RETRY,
  rateLimit: { readonly maxWaits: number } = RATE_LIMITED_CREATE_POLICY,
  gate: { readonly maxWaits: number } = PROVIDER_GATE_POLICY,
): HistoryBudget {
  const attemptsPerTask = 1 + retry.maxAttempts;
  const eventsPerTask = attemptsPerTask * EVENTS_PER_STATE.taskAttempt;
  const eventsPerPollIteration = EVENTS_PER_STATE.wait + eventsPerTask + EVENTS_PER_STATE.choice;
  const pollIterations = policy.maxPolls + 1;
  const tasksOutsideTheLoop = 4; // CreateGenerationJob, StoreVideoInS3, RecordCompletion, RecordFailure
  const eventsPerRateLimitIteration = EVENTS_PER_STATE.choice + EVENTS_PER_STATE.wait + eventsPerTask;
  const eventsPerAdmissionIteration = EVENTS_PER_STATE.choice + EVENTS_PER_STATE.wait + eventsPerTask;
  const eventsOfWebhookWait = EVENTS_PER_STATE.choice + attemptsPerTask * EVENTS_PER_STATE.callbackTaskAttempt;
  const totalEvents =
    EVENTS_PER_STATE.execution +
    eventsOfWebhookWait +
    rateLimit.maxWaits * eventsPerRateLimitIteration +
    gate.maxWaits * eventsPerAdmissionIteration +
    EVENTS_PER_STATE.choice + // IsProviderRateLimited after the last create
    tasksOutsideTheLoop * eventsPerTask +
    pollIterations * eventsPerPollIteration +
    EVENTS_PER_STATE.succeed +
    EVENTS_PER_STATE.fail;
  return {
    attemptsPerTask,
    eventsPerTask,
    eventsPerPollIteration,
    pollIterations,
    eventsPerRateLimitIteration,
    eventsPerAdmissionIteration,
    eventsOfWebhookWait,
    totalEvents,
  };
}

import { describe, expect, it } from 'vitest';
import { POLL_POLICY, RATE_LIMITED_CREATE_POLICY } from '../../shared/pipeline/poll-policy';
import { PROVIDER_GATE_POLICY } from '../../shared/provider/gate/policy';
import {
  EVENTS_PER_STATE,
  EXECUTION_HISTORY_EVENT_LIMIT,
  maxExecutionHistoryEvents,
} from '../../state-machines/history-budget';
import { TRANSIENT_RETRY } from '../../state-machines/video-pipeline';

describe('history-budget', () => {
  it('returns 7 attempts and 35 events per task when every one of the 6 retries is used', () => {
    const budget = maxExecutionHistoryEvents();

    expect(TRANSIENT_RETRY.maxAttempts).toBe(6);
    expect(budget.attemptsPerTask).toBe(7);
    expect(budget.eventsPerTask).toBe(7 * EVENTS_PER_STATE.taskAttempt);
    expect(budget.eventsPerTask).toBe(35);
  });

  it('returns 39 events per poll iteration: WaitBeforePoll 2 + PollGenerationJob 35 + IsGenerationFinished 2', () => {
    expect(maxExecutionHistoryEvents().eventsPerPollIteration).toBe(2 + 35 + 2);
  });

  it('returns fewer than 25,000 events for the longest run POLL_POLICY and the gate policy allow', () => {
    const budget = maxExecutionHistoryEvents(POLL_POLICY);

    // 2 (execution) + 10 rate-limit iterations × 39 (IsProviderRateLimited 2 + WaitForProviderRateLimit 2 +
    // CreateGenerationJob 35) + 400 admission iterations × 39 (IsProviderRateLimited 2 + WaitForProviderAdmission 2 +
    // CreateGenerationJob 35) + 2 (the last IsProviderRateLimited) + 4 tasks × 35 + (150 + 1) iterations × 39
    // + 2 (VideoReady) + 1 (VideoFailed) = 22,026
    expect(budget.pollIterations).toBe(POLL_POLICY.maxPolls + 1);
    expect(budget.eventsPerRateLimitIteration).toBe(2 + 2 + 35);
    expect(budget.eventsPerAdmissionIteration).toBe(2 + 2 + 35);
    expect(budget.totalEvents).toBe(
      2 +
        RATE_LIMITED_CREATE_POLICY.maxWaits * 39 +
        PROVIDER_GATE_POLICY.maxWaits * 39 +
        2 +
        // DoesProviderSendWebhooks, then WaitForProviderWebhook: 7 attempts × 6 events.
        (2 + 7 * 6) +
        4 * 35 +
        (POLL_POLICY.maxPolls + 1) * 39 +
        2 +
        1,
    );
    expect(budget.eventsOfWebhookWait).toBe(44);
    expect(budget.totalEvents).toBe(22070);
    expect(budget.totalEvents).toBeLessThan(EXECUTION_HISTORY_EVENT_LIMIT);
  });

  it('returns a total over the limit when a policy polls too often, so the check above can fail', () => {
    const budget = maxExecutionHistoryEvents({ maxPolls: 1000 });

    expect(budget.totalEvents).toBeGreaterThan(EXECUTION_HISTORY_EVENT_LIMIT);
  });
});

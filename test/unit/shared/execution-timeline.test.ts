import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  enteredState,
  executionTimeline,
  MAX_CAUSE_CHARS,
  type TimelineEvent,
} from '../../../shared/pipeline/execution-timeline';

/*
 * Recorded histories (test/fixtures/execution-history, payloads and stack traces removed): the local engine's
 * GetExecutionHistory of a completed video and of one whose RecordFailure ran out of retries and was redriven; and
 * the same redriven run in Step Functions' own shape, where a retry is a new LambdaFunctionScheduled instead of the
 * local engine's StateRetried.
 */
function history(name: string): TimelineEvent[] {
  const raw = JSON.parse(
    readFileSync(join(__dirname, '../../fixtures/execution-history', `${name}.json`), 'utf8'),
  ) as Array<TimelineEvent & { timestamp: string }>;
  return raw.map((event) => ({ ...event, timestamp: new Date(event.timestamp) }));
}

describe('executionTimeline', () => {
  it('returns every state visit of a completed execution in order, each ended and succeeded', () => {
    const visits = executionTimeline(history('local-completed'));

    expect(visits[0]).toMatchObject({ name: 'CreateGenerationJob', type: 'Task', attempts: 1, retries: 0 });
    expect(visits.slice(-3).map((visit) => visit.name)).toEqual(['StoreVideoInS3', 'RecordCompletion', 'VideoReady']);
    expect(visits.filter((visit) => visit.name === 'PollGenerationJob').length).toBeGreaterThan(1);
    for (const visit of visits) {
      expect(visit.outcome).toBe('succeeded');
      expect(visit.error).toBeNull();
      expect(visit.endedAt).toBeGreaterThanOrEqual(visit.startedAt);
    }
    expect(visits.map((visit) => visit.startedAt)).toEqual(
      [...visits.map((visit) => visit.startedAt)].sort((a, b) => a - b),
    );
  });

  it.each([
    ['local-record-failure-redriven', 'StateRetried'],
    ['aws-shaped-record-failure-redriven', 'a new LambdaFunctionScheduled'],
  ])('returns the retries and the error of RecordFailure out of retries, then the redriven visits (%s)', (name) => {
    const visits = executionTimeline(history(name));
    const failures = visits.filter((visit) => visit.name === 'RecordFailure');
    const poll = visits.findLast((visit) => visit.name === 'PollGenerationJob');

    expect(poll).toMatchObject({ outcome: 'failed', retries: 0, error: { error: 'GenerationFailedError' } });
    expect(failures).toHaveLength(2);
    expect(failures[0]).toMatchObject({ outcome: 'failed', retries: 6, error: { error: 'ValidationException' } });
    expect(failures[0]?.error?.cause).toContain('incorrect data type');
    expect(failures[0]?.endedAt).not.toBeNull();
    expect(failures[1]).toMatchObject({ outcome: 'succeeded', attempts: 1, retries: 0, error: null });
    expect(visits.at(-1)).toMatchObject({
      name: 'VideoFailed',
      type: 'Fail',
      outcome: 'failed',
      error: { error: 'GenerationFailedError' },
    });
  });

  it('returns the AWS-shaped history with one attempt per scheduled task', () => {
    const first = executionTimeline(history('aws-shaped-record-failure-redriven')).find(
      (visit) => visit.name === 'RecordFailure',
    );

    expect(first).toMatchObject({ attempts: 7, retries: 6 });
  });

  it('returns a running visit without an end while the execution runs, and stopped when it is aborted', () => {
    const at = (ms: number) => new Date(1_800_000_000_000 + ms);
    const started: TimelineEvent[] = [
      { type: 'ExecutionStarted', timestamp: at(0) },
      { type: 'TaskStateEntered', timestamp: at(1), stateEnteredEventDetails: { name: 'CreateGenerationJob' } },
      { type: 'LambdaFunctionScheduled', timestamp: at(1) },
    ];
    const aborted = [...started, { type: 'ExecutionAborted', timestamp: at(50) }];

    expect(executionTimeline(started)).toEqual([
      expect.objectContaining({ name: 'CreateGenerationJob', endedAt: null, outcome: 'running', attempts: 1 }),
    ]);
    expect(executionTimeline(aborted)).toEqual([
      expect.objectContaining({ endedAt: at(50).getTime(), outcome: 'stopped', error: null }),
    ]);
  });

  it('returns a cause cut at MAX_CAUSE_CHARS', () => {
    const events: TimelineEvent[] = [
      { type: 'TaskStateEntered', timestamp: new Date(0), stateEnteredEventDetails: { name: 'StoreVideoInS3' } },
      {
        type: 'LambdaFunctionFailed',
        timestamp: new Date(1),
        lambdaFunctionFailedEventDetails: { error: 'Sandbox.Timedout', cause: 'x'.repeat(MAX_CAUSE_CHARS + 10) },
      } as TimelineEvent,
    ];

    expect(executionTimeline(events)[0]?.error?.cause).toHaveLength(MAX_CAUSE_CHARS + 1);
  });
});

describe('enteredState', () => {
  it('returns true only for a history that entered the state', () => {
    const redriven = history('local-record-failure-redriven');
    const beforeRedrive = redriven.slice(
      0,
      redriven.findIndex((event) => event.type === 'ExecutionRedriven'),
    );

    expect(enteredState(redriven, 'VideoFailed')).toBe(true);
    expect(enteredState(beforeRedrive, 'VideoFailed')).toBe(false);
  });
});

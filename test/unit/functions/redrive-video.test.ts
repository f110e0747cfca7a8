import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { describe, expect, it, vi } from 'vitest';
import { type RedriveVideoDeps, redriveVideo } from '../../../functions/redrive-video/redrive-video';
import { parseRedriveVideoRequest } from '../../../functions/redrive-video/schema';
import type { RedriveAuditRecord } from '../../../shared/audit/audit';
import type { PipelineExecution } from '../../../shared/pipeline/pipeline-executions';
import type { VideoRecord } from '../../../shared/video/video';
import { aVideo } from '../fakes/fakes';

const VIDEO_ID = 'vid_01JD0000000000000000000000';
const operator = { userId: 'ops-1', groups: ['operators'] };
const at = (seconds: number) => new Date(1_800_000_000_000 + seconds * 1000);

/** A history that ended in `lastState` (entered at second 1). */
function historyEndingIn(lastState: string): HistoryEvent[] {
  return [
    { id: 1, previousEventId: 0, type: 'ExecutionStarted', timestamp: at(0) },
    {
      id: 2,
      previousEventId: 1,
      type: lastState === 'VideoFailed' ? 'FailStateEntered' : 'TaskStateEntered',
      timestamp: at(1),
      stateEnteredEventDetails: { name: lastState },
    },
    {
      id: 3,
      previousEventId: 2,
      type: 'ExecutionFailed',
      timestamp: at(2),
      executionFailedEventDetails: { error: 'E' },
    },
  ];
}

function setup(options: {
  video?: VideoRecord | undefined;
  execution?: Partial<PipelineExecution> | null;
  lastState?: string;
  redriveError?: Error;
  auditError?: Error;
}) {
  const appended: RedriveAuditRecord[] = [];
  const execution: PipelineExecution | undefined =
    options.execution === null
      ? undefined
      : {
          executionArn: `arn:aws:states:us-east-1:1:execution:Pipeline:${VIDEO_ID}`,
          status: 'FAILED',
          startDate: at(0),
          stopDate: at(2),
          error: 'ValidationException',
          cause: '{}',
          redriveCount: 0,
          redriveDate: null,
          ...options.execution,
        };
  const redrive = vi.fn(async () => {
    if (options.redriveError) throw options.redriveError;
    return { redriveDate: at(10) };
  });
  const deps: RedriveVideoDeps = {
    videos: { get: async () => ('video' in options ? options.video : aVideo({ status: 'in_progress' })) },
    executions: {
      describe: async () => execution,
      history: async () => historyEndingIn(options.lastState ?? 'RecordFailure'),
      redrive,
    },
    audit: {
      append: async (record) => {
        if (options.auditError) throw options.auditError;
        appended.push(record as RedriveAuditRecord);
      },
    },
    clock: () => at(10),
    logger: { info: vi.fn(), error: vi.fn() },
  };
  const run = () =>
    redriveVideo(
      parseRedriveVideoRequest(
        { pathParameters: { id: VIDEO_ID }, requestContext: { requestId: 'req-1' } } as never,
        operator,
      ),
      deps,
    );
  return { deps, run, appended, redrive };
}

describe('redriveVideo', () => {
  it('returns the redriven execution and appends its audit record when RecordFailure ran out of retries', async () => {
    const { run, appended, redrive } = setup({});

    const result = await run();

    expect(result).toMatchObject({
      object: 'video.redrive',
      video_id: VIDEO_ID,
      status: 'RUNNING',
      redrive_count: 1,
      restarted_state: 'RecordFailure',
      redriven_at: Math.floor(at(10).getTime() / 1000),
    });
    expect(redrive).toHaveBeenCalledWith(VIDEO_ID, result.audit_id);
    expect(appended).toEqual([
      expect.objectContaining({
        auditId: result.audit_id,
        action: 'video.redriven',
        actorUserId: 'ops-1',
        userId: 'alice',
        videoId: VIDEO_ID,
        oldValues: { executionStatus: 'FAILED', redriveCount: 0 },
        newValues: { executionStatus: 'RUNNING', redriveCount: 1 },
        requestId: 'req-1',
      }),
    ]);
  });

  it.each([
    ['RUNNING', 'is still running'],
    ['SUCCEEDED', 'succeeded: there is nothing to redrive'],
    ['TIMED_OUT', 'timed out'],
    ['ABORTED', 'was stopped'],
  ] as const)('throws 409 invalid_state without redriving when the execution is %s', async (status, reason) => {
    const { run, redrive } = setup({ execution: { status } });

    await expect(run()).rejects.toMatchObject({
      status: 409,
      code: 'invalid_state',
      message: expect.stringContaining(reason),
    });
    expect(redrive).not.toHaveBeenCalled();
  });

  it('throws 409 saying the video was settled when the execution ended in VideoFailed', async () => {
    const { run, redrive } = setup({
      lastState: 'VideoFailed',
      video: aVideo({ status: 'failed', error: { code: 'moderation_blocked', message: 'blocked' } }),
    });

    await expect(run()).rejects.toMatchObject({
      status: 409,
      message: expect.stringMatching(
        /ended in VideoFailed: RecordFailure already settled the video as failed \(moderation_blocked\)/,
      ),
    });
    expect(redrive).not.toHaveBeenCalled();
  });

  it('throws 409 when the video was settled since (released by the deadline watch)', async () => {
    const { run, redrive } = setup({ video: aVideo({ status: 'failed' }) });

    await expect(run()).rejects.toMatchObject({ status: 409, message: expect.stringContaining('is already failed') });
    expect(redrive).not.toHaveBeenCalled();
  });

  it('throws 404 for no video and 409 for a video without an execution', async () => {
    await expect(setup({ video: undefined }).run()).rejects.toMatchObject({ status: 404, code: 'not_found' });
    await expect(setup({ execution: null }).run()).rejects.toMatchObject({
      status: 409,
      message: expect.stringContaining('has no execution'),
    });
  });

  it('throws 409 with Step Functions’ reason when it refuses the redrive, and no audit record', async () => {
    const refused = Object.assign(new Error('Execution redrivable period exceeded'), {
      name: 'ExecutionNotRedrivable',
    });
    const { run, appended } = setup({ redriveError: refused });

    await expect(run()).rejects.toMatchObject({
      status: 409,
      message: expect.stringContaining('Execution redrivable period exceeded'),
    });
    expect(appended).toEqual([]);
  });

  it('throws and logs the whole record when the audit write fails after the redrive', async () => {
    const { run, deps } = setup({ auditError: new Error('throttled') });

    await expect(run()).rejects.toThrow('throttled');
    expect(deps.logger.error).toHaveBeenCalledWith(
      'Redrive done but not audited',
      expect.objectContaining({ record: expect.objectContaining({ videoId: VIDEO_ID, actorUserId: 'ops-1' }) }),
    );
  });

  it('throws 403 for a caller without the operators role before anything is read', () => {
    expect(() =>
      parseRedriveVideoRequest({ pathParameters: { id: VIDEO_ID } }, { userId: 'fin', groups: ['finance'] }),
    ).toThrow(expect.objectContaining({ status: 403, code: 'forbidden' }));
  });
});

import type { AuditLog, RedriveAuditRecord } from '../../shared/audit/audit';
import { ConflictError, NotFoundError } from '../../shared/errors';
import type { Caller } from '../../shared/http/types';
import { newAuditId } from '../../shared/ids';
import type { AppLogger } from '../../shared/observability/powertools';
import type { VideoRedrive } from '../../shared/operators/schemas';
import { enteredState, executionTimeline } from '../../shared/pipeline/execution-timeline';
import type { PipelineExecution, PipelineExecutions } from '../../shared/pipeline/pipeline-executions';
import type { VideoRepository } from '../../shared/video/store';
import { isTerminal, unixSeconds } from '../../shared/video/video';

/** What POST /v1/admin/videos/{id}/redrive asks for (no body). */
export interface RedriveVideoInput {
  caller: Caller;
  videoId: string;
  /** The request's id, for the audit record. */
  requestId: string | null;
}

export interface RedriveVideoDeps {
  videos: Pick<VideoRepository, 'get'>;
  executions: PipelineExecutions;
  audit: Pick<AuditLog, 'append'>;
  clock: () => Date;
  logger: Pick<AppLogger, 'info' | 'error'>;
}

/** The pipeline's Fail state: an execution that entered it had its failure recorded by RecordFailure. */
export const SETTLED_FAILURE_STATE = 'VideoFailed';

/**
 * POST /v1/admin/videos/{id}/redrive: continues the video's execution from the step it failed in (Step Functions'
 * RedriveExecution), only where that helps and is safe: the execution FAILED outside the Catch path (it never
 * reached VideoFailed, e.g. RecordFailure ran out of retries) and the video is still unsettled. Everything else is a
 * 409 `invalid_state` that says why. The redrive is recorded in the audit trail (who, whose video, the execution's
 * status and redrive count before and after, the request id).
 */
export async function redriveVideo(input: RedriveVideoInput, deps: RedriveVideoDeps): Promise<VideoRedrive> {
  const { videoId } = input;
  // Strongly consistent: the settle decision must see a release that just happened.
  const video = await deps.videos.get(videoId, { consistent: true });
  if (video === undefined) throw new NotFoundError();
  const execution = await deps.executions.describe(videoId);
  if (execution === undefined) {
    throw new ConflictError(`Video ${videoId} has no execution to redrive: its start failed and it was settled then`);
  }
  refuseUnlessFailed(videoId, execution);
  const events = await deps.executions.history(videoId);
  if (enteredState(events, SETTLED_FAILURE_STATE)) {
    throw new ConflictError(
      `The execution of ${videoId} ended in ${SETTLED_FAILURE_STATE}: RecordFailure already settled the video as ` +
        `failed${video.error === null ? '' : ` (${video.error.code})`}, and a redrive would only fail again at ` +
        `${SETTLED_FAILURE_STATE}. Create a new video instead`,
    );
  }
  if (isTerminal(video.status)) {
    throw new ConflictError(
      `Video ${videoId} is already ${video.status}: it was settled after its execution failed (e.g. released by the ` +
        'deadline watch), so a redrive would run its steps for a settled video',
    );
  }

  const auditId = newAuditId(deps.clock().getTime());
  const restartedState = executionTimeline(events).at(-1)?.name ?? '';
  let redriveDate: Date;
  try {
    // The audit id as client token: a retry of this call by the SDK is the same redrive, never a second one.
    ({ redriveDate } = await deps.executions.redrive(videoId, auditId));
  } catch (error) {
    if (error instanceof Error && error.name === 'ExecutionNotRedrivable') {
      throw new ConflictError(`Step Functions refused to redrive the execution of ${videoId}: ${error.message}`);
    }
    throw error;
  }
  const record: RedriveAuditRecord = {
    auditId,
    action: 'video.redriven',
    actorUserId: input.caller.userId,
    userId: video.userId,
    videoId,
    oldValues: { executionStatus: execution.status, redriveCount: execution.redriveCount },
    newValues: { executionStatus: 'RUNNING', redriveCount: execution.redriveCount + 1 },
    requestId: input.requestId,
    createdAt: unixSeconds(deps.clock()),
  };
  try {
    await deps.audit.append(record);
  } catch (error) {
    // The redrive happened and cannot be undone: the log line keeps the whole record so it can be restored.
    deps.logger.error('Redrive done but not audited', { record, error });
    throw error;
  }
  deps.logger.info('Execution redriven', { videoId, redrivenBy: input.caller.userId, restartedState, auditId });
  return {
    object: 'video.redrive',
    video_id: videoId,
    execution_arn: execution.executionArn,
    status: 'RUNNING',
    redrive_count: execution.redriveCount + 1,
    redriven_at: unixSeconds(redriveDate),
    restarted_state: restartedState,
    audit_id: auditId,
  };
}

/** 409 with the reason for any execution that did not simply fail. */
function refuseUnlessFailed(videoId: string, execution: PipelineExecution): void {
  const reasons: Partial<Record<PipelineExecution['status'], string>> = {
    RUNNING: 'is still running: there is nothing to redrive',
    PENDING_REDRIVE: 'is being redriven already',
    SUCCEEDED: 'succeeded: there is nothing to redrive',
    TIMED_OUT:
      'timed out: it was stuck beyond every retry, and the deadline watch releases its video; only an execution ' +
      'that failed outside its Catch path is redriven',
    ABORTED: 'was stopped (a cancel or an operator): a redrive would undo the stop',
  };
  const reason = reasons[execution.status];
  if (reason !== undefined) throw new ConflictError(`The execution of ${videoId} ${reason}`);
}

import { NotFoundError } from '../../shared/errors';
import type { VideoExecution } from '../../shared/operators/schemas';
import { executionTimeline } from '../../shared/pipeline/execution-timeline';
import type { PipelineExecutions } from '../../shared/pipeline/pipeline-executions';
import type { VideoRepository } from '../../shared/video/store';
import { unixSeconds } from '../../shared/video/video';

/** What GET /v1/admin/videos/{id}/execution asks for. */
export interface GetVideoExecutionInput {
  videoId: string;
}

export interface GetVideoExecutionDeps {
  videos: Pick<VideoRepository, 'get'>;
  executions: Pick<PipelineExecutions, 'describe' | 'history'>;
}

/**
 * GET /v1/admin/videos/{id}/execution: the video's execution (named after the video id) as a timeline of its state
 * visits, computed from Step Functions' history (shared/pipeline/execution-timeline.ts). 404 when the video does not
 * exist, or has no execution (its start failed, so it never ran).
 */
export async function getVideoExecution(
  input: GetVideoExecutionInput,
  deps: GetVideoExecutionDeps,
): Promise<VideoExecution> {
  const video = await deps.videos.get(input.videoId);
  if (video === undefined) throw new NotFoundError();
  const execution = await deps.executions.describe(input.videoId);
  if (execution === undefined) throw new NotFoundError(`Video ${input.videoId} has no execution: its start failed`);
  const events = await deps.executions.history(input.videoId);
  const startedAt = execution.startDate.getTime();
  return {
    object: 'video.execution',
    video_id: video.videoId,
    user_id: video.userId,
    execution_arn: execution.executionArn,
    status: execution.status,
    started_at: unixSeconds(execution.startDate),
    stopped_at: execution.stopDate === null ? null : unixSeconds(execution.stopDate),
    error: execution.error === null ? null : { error: execution.error, cause: execution.cause ?? '' },
    redrive_count: execution.redriveCount,
    redriven_at: execution.redriveDate === null ? null : unixSeconds(execution.redriveDate),
    states: executionTimeline(events).map((visit) => ({
      name: visit.name,
      type: visit.type,
      started_at: Math.floor(visit.startedAt / 1000),
      ended_at: visit.endedAt === null ? null : Math.floor(visit.endedAt / 1000),
      offset_ms: Math.max(0, Math.round(visit.startedAt - startedAt)),
      duration_ms: visit.endedAt === null ? null : Math.round(visit.endedAt - visit.startedAt),
      attempts: visit.attempts,
      retries: visit.retries,
      outcome: visit.outcome,
      error: visit.error,
    })),
  };
}

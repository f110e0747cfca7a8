import * as z from 'zod/mini';
import { pageCursorSchema, pageLimitSchema } from '../http/page-query';
import { lazy } from '../lazy';
import { userIdSchema } from '../money/schemas';
import { VIDEO_STATUSES, videoResourceSchema } from '../video/schemas';

/*
 * The operators' routes (role `operators`): every user's videos by status, a video's execution as a timeline, and
 * the redrive of an execution that failed outside its Catch path.
 */

/** The query of `GET /v1/admin/videos` (status, user_id or both). */
export const adminVideosQuerySchema = lazy(() =>
  z
    .object({
      status: z
        .optional(z.enum(VIDEO_STATUSES, { error: `status must be one of ${VIDEO_STATUSES.join(', ')}` }))
        .check(z.describe('Only videos in this status, across users (give status, user_id or both)')),
      user_id: z.optional(userIdSchema()).check(z.describe('Only this user’s videos')),
      limit: pageLimitSchema(),
      after: pageCursorSchema(),
    })
    .check(z.describe('Videos of every user by status, or one user’s, newest first (role operators)')),
);
export type AdminVideosQuery = z.output<ReturnType<typeof adminVideosQuerySchema>>;

/** A video as operators see it: the user's resource plus whose it is. */
export const adminVideoResourceSchema = lazy(() =>
  z.extend(videoResourceSchema(), {
    user_id: z.string().check(z.describe('Whose video it is')),
  }),
);
export type AdminVideoResource = z.output<ReturnType<typeof adminVideoResourceSchema>>;

/** `GET /v1/admin/videos`. */
export const adminVideoListSchema = lazy(() =>
  z.object({
    object: z.literal('list'),
    data: z.array(adminVideoResourceSchema()),
    first_id: z.nullable(z.string()),
    last_id: z.nullable(z.string()),
    has_more: z.boolean(),
    next_cursor: z.nullable(z.string()),
  }),
);
export type AdminVideoList = z.output<ReturnType<typeof adminVideoListSchema>>;

const EXECUTION_STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'] as const;

const failureSchema = lazy(() =>
  z.nullable(
    z.object({
      error: z.string(),
      cause: z.string().check(z.describe('Step Functions’ Cause, cut at 4,000 characters')),
    }),
  ),
);

/** One state visit of an execution's timeline. */
export const executionStateSchema = lazy(() =>
  z.object({
    name: z.string().check(z.describe('The state’s name, e.g. PollGenerationJob')),
    type: z.string().check(z.describe('Task, Wait, Choice, Fail, Succeed, ...')),
    started_at: z.number().check(z.int(), z.describe('Unix seconds')),
    ended_at: z.nullable(z.number().check(z.int())).check(z.describe('Unix seconds; null while the state runs')),
    offset_ms: z.number().check(z.int(), z.describe('Milliseconds from the execution’s start to this state’s')),
    duration_ms: z.nullable(z.number().check(z.int())).check(z.describe('Null while the state runs')),
    attempts: z.number().check(z.int(), z.describe('Task attempts (0 for states that run no task)')),
    retries: z.number().check(z.int(), z.describe('Attempts its Retry made after the first')),
    outcome: z.enum(['running', 'succeeded', 'failed', 'stopped']),
    error: failureSchema().check(z.describe('The last error the state saw (a retried or caught one included)')),
  }),
);

/** `GET /v1/admin/videos/{id}/execution`. */
export const videoExecutionSchema = lazy(() =>
  z
    .object({
      object: z.literal('video.execution'),
      video_id: z.string(),
      user_id: z.string(),
      execution_arn: z.string(),
      status: z.enum(EXECUTION_STATUSES),
      started_at: z.number().check(z.int()),
      stopped_at: z.nullable(z.number().check(z.int())),
      error: failureSchema(),
      redrive_count: z.number().check(z.int()),
      redriven_at: z.nullable(z.number().check(z.int())),
      states: z.array(executionStateSchema()).check(z.describe('Every state visit in the order entered')),
    })
    .check(z.describe('A video’s execution as a timeline (from Step Functions’ history)')),
);
export type VideoExecution = z.output<ReturnType<typeof videoExecutionSchema>>;

/** `POST /v1/admin/videos/{id}/redrive`. */
export const videoRedriveSchema = lazy(() =>
  z
    .object({
      object: z.literal('video.redrive'),
      video_id: z.string(),
      execution_arn: z.string(),
      status: z.literal('RUNNING'),
      redrive_count: z.number().check(z.int()),
      redriven_at: z.number().check(z.int()),
      restarted_state: z.string().check(z.describe('The state the execution continues from')),
      audit_id: z.string().check(z.describe('The audit record of this redrive')),
    })
    .check(z.describe('A redriven execution')),
);
export type VideoRedrive = z.output<ReturnType<typeof videoRedriveSchema>>;

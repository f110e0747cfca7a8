import * as z from 'zod/mini';
import { pageCursorSchema, pageLimitSchema } from '../http/page-query';
import { lazy } from '../lazy';
import { MONTH_PATTERN } from './calendar';

/*
 * The money routes' request and response schemas: a user's usage, finance's cost report and users' limits.
 */

const monthSchema = lazy(() =>
  z
    .string()
    .check(
      z.regex(MONTH_PATTERN, { error: 'month must be YYYY-MM' }),
      z.describe('A calendar month in UTC, YYYY-MM; default the current month'),
    ),
);

/** A user id in a path or query: the token's `sub` of that user. */
export const userIdSchema = lazy(() =>
  z
    .string()
    .check(
      z.minLength(1, { error: 'user_id must not be empty' }),
      z.maxLength(128, { error: 'user_id must be at most 128 characters' }),
      z.regex(/^[\x21-\x7e]+$/, { error: 'user_id must be printable ASCII without spaces' }),
    ),
);

/** The query of `GET /v1/usage`. */
export const usageQuerySchema = lazy(() =>
  z.object({ month: z.optional(monthSchema()) }).check(z.describe('The caller’s usage in a month')),
);
export type UsageQuery = z.output<ReturnType<typeof usageQuerySchema>>;

/** The query of `GET /v1/admin/costs`. */
export const costsQuerySchema = lazy(() =>
  z
    .object({
      month: z.optional(monthSchema()),
      user_id: z.optional(userIdSchema()).check(z.describe('Only this user: their ledger entries')),
      format: z._default(z.enum(['json', 'csv'], { error: 'format must be json or csv' }), 'json'),
    })
    .check(z.describe('Costs per user in a month (role finance)')),
);
export type CostsQuery = z.output<ReturnType<typeof costsQuerySchema>>;

/** The path of `GET|PUT /v1/admin/users/{userId}/limits` and `DELETE /v1/admin/users/{userId}`. */
export const limitsPathSchema = lazy(() => z.object({ userId: userIdSchema() }));

/** `DELETE /v1/admin/users/{userId}`: an erasure of a user's data and how far it got. */
export const userErasureResourceSchema = lazy(() =>
  z
    .object({
      id: z.string().check(z.describe('The erasure id, era_…')),
      object: z.literal('user.erasure'),
      user_id: z.string(),
      status: z
        .enum(['pending', 'completed'])
        .check(
          z.describe(
            'pending: being erased (by a background job that retries); completed: no video, prompt, metadata or object ' +
              'of the user is left (deletions of provider copies may still be retried)',
          ),
        ),
      requested_by: z.string().check(z.describe('The finance user who asked for it')),
      requested_at: z.number().check(z.int()),
      completed_at: z.nullable(z.number().check(z.int())),
      videos_erased: z.number().check(z.int(), z.describe('Videos turned into tombstones (amounts kept, prompt gone)')),
      videos_cancelled: z.number().check(z.int(), z.describe('Unfinished videos cancelled first (cancel rules apply)')),
      objects_deleted: z.number().check(z.int(), z.describe('Stored objects deleted under the user’s prefixes')),
    })
    .check(z.describe('An erasure of a user’s data; the ledger keeps its amounts')),
);
export type UserErasureResource = z.output<ReturnType<typeof userErasureResourceSchema>>;

/** `GET /v1/usage`. */
export const usageResourceSchema = lazy(() =>
  z.object({
    object: z.literal('usage'),
    user_id: z.string(),
    month: z.string(),
    currency: z.literal('USD'),
    videos: z.number().check(z.int(), z.describe('Videos charged this month')),
    seconds: z.number().check(z.int(), z.describe('Seconds of video charged this month')),
    charged_micros: z.number().check(z.int()),
    cancelled_charged_micros: z
      .number()
      .check(
        z.int(),
        z.describe(
          'Of charged_micros: cancelled videos the provider finished (and billed) anyway, each charged its price once',
        ),
      ),
    cancelled_videos: z
      .number()
      .check(z.int(), z.describe('Of videos: cancelled videos charged because the provider finished them')),
    reserved_micros: z
      .number()
      .check(
        z.int(),
        z.describe(
          'Held for videos not yet settled, including videos cancelled after the provider accepted the job until ' +
            'the provider’s outcome is known',
        ),
      ),
    budget_micros: z.number().check(z.int()),
    active_videos: z.number().check(z.int(), z.describe('Videos not yet terminal (any month)')),
    max_active: z.number().check(z.int()),
    max_per_day: z.number().check(z.int()),
  }),
);
export type UsageResource = z.output<ReturnType<typeof usageResourceSchema>>;

/** `GET|PUT /v1/admin/users/{userId}/limits`. */
export const limitsResourceSchema = lazy(() =>
  z.object({
    user_id: z.string(),
    budget_micros: z.number().check(z.int()),
    max_active: z.number().check(z.int()),
    max_per_day: z.number().check(z.int()),
  }),
);
export type LimitsResource = z.output<ReturnType<typeof limitsResourceSchema>>;

/** The body of `PUT /v1/admin/users/{userId}/limits`: any non-empty subset of the three limits. */
export const limitsUpdateSchema = lazy(() =>
  z
    .strictObject({
      budget_micros: z
        .optional(
          z
            .number({ error: 'budget_micros must be an integer' })
            .check(
              z.int({ error: 'budget_micros must be an integer' }),
              z.nonnegative({ error: 'budget_micros must not be negative' }),
              z.lte(Number.MAX_SAFE_INTEGER),
            ),
        )
        .check(z.describe('Monthly budget in micro-USD')),
      max_active: z
        .optional(
          z
            .number({ error: 'max_active must be an integer' })
            .check(
              z.int({ error: 'max_active must be an integer' }),
              z.nonnegative({ error: 'max_active must not be negative' }),
              z.lte(100_000),
            ),
        )
        .check(z.describe('Videos not yet terminal at once')),
      max_per_day: z
        .optional(
          z
            .number({ error: 'max_per_day must be an integer' })
            .check(
              z.int({ error: 'max_per_day must be an integer' }),
              z.nonnegative({ error: 'max_per_day must not be negative' }),
              z.lte(1_000_000),
            ),
        )
        .check(z.describe('Videos created per UTC day')),
    })
    .check(
      z.refine((body) => Object.keys(body).length > 0, {
        error: 'give at least one of budget_micros, max_active, max_per_day',
      }),
    ),
);
export type LimitsUpdateBody = z.output<ReturnType<typeof limitsUpdateSchema>>;

const limitsValuesSchema = lazy(() =>
  z.object({
    budget_micros: z.number().check(z.int()),
    max_active: z.number().check(z.int()),
    max_per_day: z.number().check(z.int()),
  }),
);

/** The query of `GET /v1/admin/audit`. */
export const auditQuerySchema = lazy(() =>
  z
    .object({
      user_id: z
        .optional(userIdSchema())
        .check(z.describe('Only records about this user (all months unless month is given)')),
      month: z
        .optional(z.string().check(z.regex(MONTH_PATTERN, { error: 'month must be YYYY-MM' })))
        .check(z.describe('A calendar month in UTC, YYYY-MM; without user_id, default the current month')),
      limit: pageLimitSchema(),
      after: pageCursorSchema(),
    })
    .check(z.describe('Audit records, newest first (role finance: all; role operators: their own actions)')),
);
export type AuditQuery = z.output<ReturnType<typeof auditQuerySchema>>;

const auditRecordFields = lazy(() => ({
  id: z.string(),
  object: z.literal('audit_record'),
  actor_user_id: z.string().check(z.describe('Who made the change')),
  request_id: z.nullable(z.string()).check(z.describe('The x-request-id of the request that made the change')),
  created_at: z.number().check(z.int()),
}));

const executionValuesSchema = lazy(() =>
  z.object({
    execution_status: z.string().check(z.describe('The Step Functions execution status')),
    redrive_count: z.number().check(z.int()),
  }),
);

/** One audit record as the API shows it: a change of limits or an erasure (finance), or a redrive (operators). */
export const auditRecordResourceSchema = lazy(() =>
  z.discriminatedUnion('action', [
    z.object({
      ...auditRecordFields(),
      action: z.literal('user_limits.updated'),
      user_id: z.string().check(z.describe('Whose limits changed')),
      old_values: limitsValuesSchema().check(z.describe('Effective limits before the change')),
      new_values: limitsValuesSchema().check(z.describe('Effective limits after the change')),
    }),
    z.object({
      ...auditRecordFields(),
      action: z.literal('video.redriven'),
      user_id: z.string().check(z.describe('Whose video it is')),
      video_id: z.string(),
      old_values: executionValuesSchema().check(z.describe('The execution before the redrive')),
      new_values: executionValuesSchema().check(z.describe('The execution after the redrive')),
    }),
    z.object({
      ...auditRecordFields(),
      action: z.literal('user.erased'),
      user_id: z.string().check(z.describe('Whose data is erased')),
      erasure_id: z.string().check(z.describe('The erasure (DELETE /v1/admin/users/{userId} answers its progress)')),
    }),
  ]),
);
export type AuditRecordResource = z.output<ReturnType<typeof auditRecordResourceSchema>>;

/** `GET /v1/admin/audit`. */
export const auditListSchema = lazy(() =>
  z.object({
    object: z.literal('list'),
    data: z.array(auditRecordResourceSchema()),
    first_id: z.nullable(z.string()),
    last_id: z.nullable(z.string()),
    has_more: z.boolean(),
    next_cursor: z.nullable(z.string()),
  }),
);
export type AuditList = z.output<ReturnType<typeof auditListSchema>>;

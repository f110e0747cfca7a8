import * as z from 'zod/mini';
import { MONTH_PATTERN } from './calendar';

/*
 * The money routes' request and response schemas: a user's usage, finance's cost report and users' limits.
 */

const monthSchema = z
  .string()
  .check(
    z.regex(MONTH_PATTERN, { error: 'month must be YYYY-MM' }),
    z.describe('A calendar month in UTC, YYYY-MM; default the current month'),
  );

/** A user id in a path or query: the token's `sub` of that user. */
export const userIdSchema = z
  .string()
  .check(
    z.minLength(1, { error: 'user_id must not be empty' }),
    z.maxLength(128, { error: 'user_id must be at most 128 characters' }),
    z.regex(/^[\x21-\x7e]+$/, { error: 'user_id must be printable ASCII without spaces' }),
  );

/** The query of `GET /v1/usage`. */
export const usageQuerySchema = z
  .object({ month: z.optional(monthSchema) })
  .check(z.describe('The caller’s usage in a month'));
export type UsageQuery = z.output<typeof usageQuerySchema>;

/** The query of `GET /v1/admin/costs`. */
export const costsQuerySchema = z
  .object({
    month: z.optional(monthSchema),
    user_id: z.optional(userIdSchema).check(z.describe('Only this user: their ledger entries')),
    format: z._default(z.enum(['json', 'csv'], { error: 'format must be json or csv' }), 'json'),
  })
  .check(z.describe('Costs per user in a month (role finance)'));
export type CostsQuery = z.output<typeof costsQuerySchema>;

/** The path of `GET|PUT /v1/admin/users/{userId}/limits`. */
export const limitsPathSchema = z.object({ userId: userIdSchema });

/** `GET /v1/usage`. */
export const usageResourceSchema = z.object({
  object: z.literal('usage'),
  user_id: z.string(),
  month: z.string(),
  currency: z.literal('USD'),
  videos: z.number().check(z.int(), z.describe('Videos charged this month')),
  seconds: z.number().check(z.int(), z.describe('Seconds of video charged this month')),
  charged_micros: z.number().check(z.int()),
  reserved_micros: z.number().check(z.int(), z.describe('Held for videos not yet finished')),
  budget_micros: z.number().check(z.int()),
  active_videos: z.number().check(z.int(), z.describe('Videos not yet terminal (any month)')),
  max_active: z.number().check(z.int()),
  max_per_day: z.number().check(z.int()),
});
export type UsageResource = z.output<typeof usageResourceSchema>;

/** `GET|PUT /v1/admin/users/{userId}/limits`. */
export const limitsResourceSchema = z.object({
  user_id: z.string(),
  budget_micros: z.number().check(z.int()),
  max_active: z.number().check(z.int()),
  max_per_day: z.number().check(z.int()),
});
export type LimitsResource = z.output<typeof limitsResourceSchema>;

import { z } from 'zod';
import { MONTH_PATTERN } from './calendar';

/*
 * The money routes' request and response schemas: a user's usage, finance's cost report and users' limits.
 */

const monthSchema = z
  .string()
  .regex(MONTH_PATTERN, { error: 'month must be YYYY-MM' })
  .describe('A calendar month in UTC, YYYY-MM; default the current month');

/** A user id in a path or query: the token's `sub` of that user. */
export const userIdSchema = z
  .string()
  .min(1, { error: 'user_id must not be empty' })
  .max(128, { error: 'user_id must be at most 128 characters' })
  .regex(/^[\x21-\x7e]+$/, { error: 'user_id must be printable ASCII without spaces' });

/** The query of `GET /v1/usage`. */
export const usageQuerySchema = z.object({ month: monthSchema.optional() }).describe('The caller’s usage in a month');
export type UsageQuery = z.output<typeof usageQuerySchema>;

/** The query of `GET /v1/admin/costs`. */
export const costsQuerySchema = z
  .object({
    month: monthSchema.optional(),
    user_id: userIdSchema.optional().describe('Only this user: their ledger entries'),
    format: z.enum(['json', 'csv'], { error: 'format must be json or csv' }).default('json'),
  })
  .describe('Costs per user in a month (role finance)');
export type CostsQuery = z.output<typeof costsQuerySchema>;

/** The path of `GET|PUT /v1/admin/users/{userId}/limits`. */
export const limitsPathSchema = z.object({ userId: userIdSchema });

/** `GET /v1/usage`. */
export const usageResourceSchema = z.object({
  object: z.literal('usage'),
  user_id: z.string(),
  month: z.string(),
  currency: z.literal('USD'),
  videos: z.number().int().describe('Videos charged this month'),
  seconds: z.number().int().describe('Seconds of video charged this month'),
  charged_micros: z.number().int(),
  reserved_micros: z.number().int().describe('Held for videos not yet finished'),
  budget_micros: z.number().int(),
  active_videos: z.number().int().describe('Videos not yet terminal (any month)'),
  max_active: z.number().int(),
  max_per_day: z.number().int(),
});
export type UsageResource = z.output<typeof usageResourceSchema>;

/** `GET|PUT /v1/admin/users/{userId}/limits`. */
export const limitsResourceSchema = z.object({
  user_id: z.string(),
  budget_micros: z.number().int(),
  max_active: z.number().int(),
  max_per_day: z.number().int(),
});
export type LimitsResource = z.output<typeof limitsResourceSchema>;

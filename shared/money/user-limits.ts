import * as z from 'zod/mini';
import { lazy } from '../lazy';

/*
 * A user's limits and their deployment-wide defaults: plain types and the env schema, in a module of their own so
 * the limits store (limits.ts) and the audit records that show a change (shared/audit/audit.ts) both import them without
 * importing each other.
 */

/** A user's quotas: monthly budget (micro-USD), videos not yet terminal, videos created per UTC day. */
export interface UserLimits {
  budgetMicros: number;
  maxActive: number;
  maxPerDay: number;
}

/** Deployment-wide defaults, from the environment (each optional; all functions that reserve or report read it). */
export const limitsEnvSchema = lazy(() =>
  z.object({
    /** $100 a month. */
    DEFAULT_BUDGET_MICROS: z._default(z.coerce.number().check(z.int(), z.nonnegative()), 100_000_000),
    /** Generous enough for bursts of concurrent creates; finance lowers it per user. */
    DEFAULT_MAX_ACTIVE: z._default(z.coerce.number().check(z.int(), z.nonnegative()), 100),
    DEFAULT_MAX_PER_DAY: z._default(z.coerce.number().check(z.int(), z.nonnegative()), 1000),
  }),
);
export type LimitsEnv = z.input<ReturnType<typeof limitsEnvSchema>>;

/** The defaults an env parsed with limitsEnvSchema() describes. */
export function defaultLimitsFrom(env: z.output<ReturnType<typeof limitsEnvSchema>>): UserLimits {
  return {
    budgetMicros: env.DEFAULT_BUDGET_MICROS,
    maxActive: env.DEFAULT_MAX_ACTIVE,
    maxPerDay: env.DEFAULT_MAX_PER_DAY,
  };
}

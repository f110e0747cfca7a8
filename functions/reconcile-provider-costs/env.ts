import * as z from 'zod/mini';
import {
  bucketEnvSchema,
  idempotencyEnvSchema,
  providerEnvSchema,
  stateMachineEnvSchema,
  tableEnvSchema,
} from '../../shared/config';

/**
 * ReconcileProviderCosts: the table, the provider, and how long a given-up job is followed; for user erasures also the
 * bucket, the idempotency table and the state machine (to stop a cancelled video's execution).
 */
export const reconcileProviderCostsEnvSchema = z.object({
  ...tableEnvSchema().shape,
  ...providerEnvSchema().shape,
  ...bucketEnvSchema().shape,
  ...idempotencyEnvSchema().shape,
  ...stateMachineEnvSchema().shape,
  /** How long after reelflow gave up on a job the provider is still asked how it ended. */
  RECONCILE_LOOKBACK_HOURS: z._default(z.coerce.number().check(z.positive()), 48),
  /** The most work items one run looks at. */
  RECONCILE_MAX_ITEMS: z._default(z.coerce.number().check(z.int(), z.positive()), 200),
});
export type ReconcileProviderCostsEnv = z.input<typeof reconcileProviderCostsEnvSchema>;

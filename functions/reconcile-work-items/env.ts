import * as z from 'zod/mini';
import { providerEnvSchema, tableEnvSchema } from '../../shared/config';

/**
 * ReconcileWorkItems: the table, the provider, and how long a given-up job is followed. Nothing of the bucket, the
 * idempotency table or the state machine: user erasures are functions/erase-user-data's.
 */
export const reconcileWorkItemsEnvSchema = z.object({
  ...tableEnvSchema().shape,
  ...providerEnvSchema().shape,
  /** How long after reelflow gave up on a job the provider is still asked how it ended. */
  RECONCILE_LOOKBACK_HOURS: z._default(z.coerce.number().check(z.positive()), 48),
  /** The most work items one run looks at. */
  RECONCILE_MAX_ITEMS: z._default(z.coerce.number().check(z.int(), z.positive()), 200),
});
export type ReconcileWorkItemsEnv = z.input<typeof reconcileWorkItemsEnvSchema>;

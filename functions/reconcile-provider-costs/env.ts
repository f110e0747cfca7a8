import { z } from 'zod';
import { providerEnvSchema, tableEnvSchema } from '../../shared/config';

/** ReconcileProviderCosts: the table, the provider, and how long a given-up job is followed. */
export const reconcileProviderCostsEnvSchema = z.object({
  ...tableEnvSchema.shape,
  ...providerEnvSchema.shape,
  /** How long after reelflow gave up on a job the provider is still asked how it ended. */
  RECONCILE_LOOKBACK_HOURS: z.coerce.number().positive().default(48),
  /** The most work items one run looks at. */
  RECONCILE_MAX_ITEMS: z.coerce.number().int().positive().default(200),
});
export type ReconcileProviderCostsEnv = z.input<typeof reconcileProviderCostsEnvSchema>;

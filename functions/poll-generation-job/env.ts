import * as z from 'zod/mini';
import { providerEnvSchema, tableEnvSchema } from '../../shared/config';

/**
 * PollGenerationJob: the table, the provider, and POLL_STRATEGY: `progress` (default) aims each wait at the finish the
 * job's progress predicts; `backoff` keeps the growing schedule alone (the benchmark compares the two; a provider
 * whose progress misleads can be polled without it).
 */
export const pollGenerationJobEnvSchema = z.object({
  ...tableEnvSchema().shape,
  ...providerEnvSchema().shape,
  POLL_STRATEGY: z._default(z.enum(['progress', 'backoff']), 'progress'),
});
export type PollGenerationJobEnv = z.input<typeof pollGenerationJobEnvSchema>;

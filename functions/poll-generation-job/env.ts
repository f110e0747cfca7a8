import { z } from 'zod';
import { providerEnvSchema, requireProviderKey, tableEnvSchema } from '../../shared/config';

/** PollGenerationJob: the table and the provider. */
export const pollGenerationJobEnvSchema = requireProviderKey(
  z.object({ ...tableEnvSchema.shape, ...providerEnvSchema.shape }),
);
export type PollGenerationJobEnv = z.input<typeof pollGenerationJobEnvSchema>;

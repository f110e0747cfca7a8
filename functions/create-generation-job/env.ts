import { z } from 'zod';
import { providerEnvSchema, tableEnvSchema } from '../../shared/config';

/** CreateGenerationJob: the table and the provider. */
export const createGenerationJobEnvSchema = z.object({
  ...tableEnvSchema.shape,
  ...providerEnvSchema.shape,
  /** How far before the first attempt an orphaned provider job may have been created (clock skew). */
  PROVIDER_ADOPTION_SKEW_SECONDS: z.coerce.number().int().min(0).max(3600).default(120),
});
export type CreateGenerationJobEnv = z.input<typeof createGenerationJobEnvSchema>;

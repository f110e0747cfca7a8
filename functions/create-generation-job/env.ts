import * as z from 'zod/mini';
import { providerEnvSchema, providerWebhooksEnvSchema, tableEnvSchema } from '../../shared/config';

/** CreateGenerationJob: the table and the provider. */
export const createGenerationJobEnvSchema = z.object({
  ...tableEnvSchema().shape,
  ...providerEnvSchema().shape,
  /** How far before the first attempt an orphaned provider job may have been created (clock skew). */
  PROVIDER_ADOPTION_SKEW_SECONDS: z._default(z.coerce.number().check(z.int(), z.gte(0), z.lte(3600)), 120),
  ...providerWebhooksEnvSchema().shape,
});
export type CreateGenerationJobEnv = z.input<typeof createGenerationJobEnvSchema>;

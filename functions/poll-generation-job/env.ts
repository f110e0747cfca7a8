import * as z from 'zod/mini';
import { providerEnvSchema, tableEnvSchema } from '../../shared/config';

/** PollGenerationJob: the table and the provider. */
export const pollGenerationJobEnvSchema = z.object({ ...tableEnvSchema.shape, ...providerEnvSchema.shape });
export type PollGenerationJobEnv = z.input<typeof pollGenerationJobEnvSchema>;

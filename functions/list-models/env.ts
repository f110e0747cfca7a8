import * as z from 'zod/mini';
import { catalogueEnvSchema } from '../../shared/catalogue/env';

/** GET /v1/models: the model catalogue. */
export const listModelsEnvSchema = z.object({ ...catalogueEnvSchema().shape });
export type ListModelsEnv = z.input<typeof listModelsEnvSchema>;

import * as z from 'zod/mini';
import { catalogueEnvSchema } from '../../shared/catalogue/env';

/** GET /v1/models/{id}: the model catalogue. */
export const getModelEnvSchema = z.object({ ...catalogueEnvSchema().shape });
export type GetModelEnv = z.input<typeof getModelEnvSchema>;

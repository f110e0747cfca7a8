import * as z from 'zod/mini';
import { providerEnvSchema, tableEnvSchema } from '../../shared/config';

/** GET /v1/videos/{id}: the table, and the provider behind the admission gate (the progress of a waiting video). */
export const getVideoEnvSchema = z.object({ ...tableEnvSchema().shape, ...providerEnvSchema().shape });
export type GetVideoEnv = z.input<typeof getVideoEnvSchema>;

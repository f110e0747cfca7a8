import * as z from 'zod/mini';
import { tableEnvSchema } from '../../shared/config';

/** GET /v1/videos/{id}: the table. */
export const getVideoEnvSchema = z.object({ ...tableEnvSchema.shape });
export type GetVideoEnv = z.input<typeof getVideoEnvSchema>;

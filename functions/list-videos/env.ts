import * as z from 'zod/mini';
import { tableEnvSchema } from '../../shared/config';

/** GET /v1/videos: the table (and its gsi1). */
export const listVideosEnvSchema = z.object({ ...tableEnvSchema().shape });
export type ListVideosEnv = z.input<typeof listVideosEnvSchema>;

import * as z from 'zod/mini';
import { tableEnvSchema } from '../../shared/config';

/** GET /v1/admin/videos: the table (its gsi1 and gsi3). */
export const listAdminVideosEnvSchema = z.object({ ...tableEnvSchema().shape });
export type ListAdminVideosEnv = z.input<typeof listAdminVideosEnvSchema>;

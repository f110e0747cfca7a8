import * as z from 'zod/mini';
import { bucketEnvSchema, tableEnvSchema } from '../../shared/config';

/** DELETE /v1/videos/{id}: the table and the bucket. */
export const deleteVideoEnvSchema = z.object({ ...tableEnvSchema.shape, ...bucketEnvSchema.shape });
export type DeleteVideoEnv = z.input<typeof deleteVideoEnvSchema>;

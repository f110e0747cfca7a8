import * as z from 'zod/mini';
import { bucketEnvSchema, idempotencyEnvSchema, tableEnvSchema } from '../../shared/config';

/** DELETE /v1/videos/{id}: the table, the bucket and the idempotency table (whose record of the video it removes). */
export const deleteVideoEnvSchema = z.object({
  ...tableEnvSchema().shape,
  ...bucketEnvSchema().shape,
  ...idempotencyEnvSchema().shape,
});
export type DeleteVideoEnv = z.input<typeof deleteVideoEnvSchema>;

import * as z from 'zod/mini';
import { bucketEnvSchema, tableEnvSchema } from '../../shared/config';
import { DEFAULT_UPLOADS_PER_MINUTE } from '../../shared/http/limits';

/** POST /v1/uploads: the bucket (presigning only), the table (the per-user rate) and that rate, optional. */
export const createUploadEnvSchema = z.object({
  ...bucketEnvSchema().shape,
  ...tableEnvSchema().shape,
  /** Upload URLs one user may get per UTC minute; beyond it, 429 `rate_limited` until the next minute. */
  UPLOADS_PER_MINUTE: z._default(z.coerce.number().check(z.int(), z.positive()), DEFAULT_UPLOADS_PER_MINUTE),
});
export type CreateUploadEnv = z.input<typeof createUploadEnvSchema>;

import { z } from 'zod';
import { bucketEnvSchema, tableEnvSchema } from '../../shared/config';

/** GET /v1/videos/{id}/content: the table and the bucket (presigning only). */
export const getVideoContentEnvSchema = z.object({
  ...tableEnvSchema.shape,
  ...bucketEnvSchema.shape,
  CONTENT_URL_TTL_SECONDS: z.coerce.number().int().min(1).max(900).default(600),
});
export type GetVideoContentEnv = z.input<typeof getVideoContentEnvSchema>;

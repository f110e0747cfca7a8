import * as z from 'zod/mini';
import { bucketEnvSchema, tableEnvSchema } from '../../shared/config';

/** GET /v1/videos/{id}/content: the table and the bucket (presigning only). */
export const getVideoContentEnvSchema = z.object({
  ...tableEnvSchema().shape,
  ...bucketEnvSchema().shape,
  CONTENT_URL_TTL_SECONDS: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(900)), 600),
});
export type GetVideoContentEnv = z.input<typeof getVideoContentEnvSchema>;

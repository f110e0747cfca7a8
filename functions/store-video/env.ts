import * as z from 'zod/mini';
import { bucketEnvSchema, providerEnvSchema, tableEnvSchema } from '../../shared/config';

/** StoreVideoInS3: the table, the bucket and the provider. */
export const storeVideoEnvSchema = z.object({
  ...tableEnvSchema().shape,
  ...bucketEnvSchema().shape,
  ...providerEnvSchema().shape,
});
export type StoreVideoEnv = z.input<typeof storeVideoEnvSchema>;

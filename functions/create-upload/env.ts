import * as z from 'zod/mini';
import { bucketEnvSchema } from '../../shared/config';

/** POST /v1/uploads: the bucket (presigning only). */
export const createUploadEnvSchema = z.object({ ...bucketEnvSchema().shape });
export type CreateUploadEnv = z.input<typeof createUploadEnvSchema>;

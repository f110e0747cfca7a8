import * as z from 'zod/mini';
import { admissionEnvSchema } from '../../shared/admission/aws-wiring';
import { bucketEnvSchema } from '../../shared/config';

/**
 * POST /v1/videos: the table, the idempotency table, the state machine, the bucket (reference images and uploads);
 * the model catalogue; the default limits optional.
 */
export const createVideoEnvSchema = z.object({
  ...admissionEnvSchema().shape,
  ...bucketEnvSchema().shape,
  /**
   * Test aid, never set by infra: comma-separated host names an `image_url` may use over http and resolve to a
   * private address (the local stack sets it from LOCAL_IMAGE_URL_ALLOW_PRIVATE_HOSTS).
   */
  IMAGE_URL_ALLOW_PRIVATE_HOSTS: z._default(z.string(), ''),
});
export type CreateVideoEnv = z.input<typeof createVideoEnvSchema>;

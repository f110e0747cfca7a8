import type * as z from 'zod/mini';
import { admissionEnvSchema } from '../../shared/admission/aws-wiring';

/**
 * POST /v1/videos: the table, the idempotency table, the state machine; models, prices and the default limits
 * optional.
 */
export const createVideoEnvSchema = admissionEnvSchema;
export type CreateVideoEnv = z.input<typeof createVideoEnvSchema>;

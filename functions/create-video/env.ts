import * as z from 'zod/mini';
import { admissionEnvSchema } from '../../shared/admission/aws-wiring';
import { modelsEnvSchema } from '../../shared/config';

/**
 * POST /v1/videos: the table, the idempotency table, the state machine; models, prices and the default limits
 * optional.
 */
export const createVideoEnvSchema = z.extend(admissionEnvSchema, modelsEnvSchema.shape);
export type CreateVideoEnv = z.input<typeof createVideoEnvSchema>;

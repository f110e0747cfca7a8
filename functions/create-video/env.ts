import type { z } from 'zod';
import { modelsEnvSchema, parseEnv } from '../../shared/config';
import { admissionEnvSchema } from '../../shared/wiring/video-admission';

/**
 * POST /v1/videos: the table, the idempotency table, the state machine; models, prices and the default limits
 * optional.
 */
export const createVideoEnvSchema = admissionEnvSchema.extend(modelsEnvSchema.shape);
export type CreateVideoEnv = z.input<typeof createVideoEnvSchema>;

export const env = parseEnv(createVideoEnvSchema);

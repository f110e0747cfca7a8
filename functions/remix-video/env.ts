import type { z } from 'zod';
import { parseEnv } from '../../shared/config';
import { admissionEnvSchema } from '../../shared/wiring/video-admission';

/** POST /v1/videos/{id}/remix: the table, the idempotency table, the state machine; prices and limits optional. */
export const remixVideoEnvSchema = admissionEnvSchema;
export type RemixVideoEnv = z.input<typeof remixVideoEnvSchema>;

export const env = parseEnv(remixVideoEnvSchema);

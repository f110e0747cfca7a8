import type * as z from 'zod/mini';
import { admissionEnvSchema } from '../../shared/admission/aws-wiring';

/** POST /v1/videos/{id}/remix: the table, the idempotency table, the state machine, the model catalogue; limits optional. */
export const remixVideoEnvSchema = admissionEnvSchema();
export type RemixVideoEnv = z.input<typeof remixVideoEnvSchema>;

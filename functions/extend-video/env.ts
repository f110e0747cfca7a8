import type * as z from 'zod/mini';
import { admissionEnvSchema } from '../../shared/admission/aws-wiring';

/** POST /v1/videos/extensions: the table, the idempotency table, the state machine, the model catalogue; limits optional. */
export const extendVideoEnvSchema = admissionEnvSchema();
export type ExtendVideoEnv = z.input<typeof extendVideoEnvSchema>;

import type * as z from 'zod/mini';
import { admissionEnvSchema } from '../../shared/admission/aws-wiring';

/** POST /v1/videos/edits: the table, the idempotency table, the state machine, the model catalogue; limits optional. */
export const editVideoEnvSchema = admissionEnvSchema();
export type EditVideoEnv = z.input<typeof editVideoEnvSchema>;

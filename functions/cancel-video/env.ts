import * as z from 'zod/mini';
import { providerGateEnvSchema, stateMachineEnvSchema, tableEnvSchema } from '../../shared/config';

/**
 * POST /v1/videos/{id}/cancel: the table, the state machine (to stop the video's execution) and the provider's
 * admission gate (a video cancelled while waiting for a slot leaves the line), never the provider's key.
 */
export const cancelVideoEnvSchema = z.object({
  ...tableEnvSchema().shape,
  ...stateMachineEnvSchema().shape,
  ...providerGateEnvSchema().shape,
});
export type CancelVideoEnv = z.input<typeof cancelVideoEnvSchema>;

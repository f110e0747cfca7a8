import * as z from 'zod/mini';
import { stateMachineEnvSchema, tableEnvSchema } from '../../shared/config';

/** POST /v1/videos/{id}/cancel: the table and the state machine (to stop the video's execution). */
export const cancelVideoEnvSchema = z.object({
  ...tableEnvSchema.shape,
  ...stateMachineEnvSchema.shape,
});
export type CancelVideoEnv = z.input<typeof cancelVideoEnvSchema>;

import { z } from 'zod';
import {
  idempotencyEnvSchema,
  modelsEnvSchema,
  parseEnv,
  pricingEnvSchema,
  stateMachineEnvSchema,
  tableEnvSchema,
} from '../../shared/config';

/** POST /v1/videos: the table, the idempotency table (next issue), the state machine; models and prices optional. */
export const createVideoEnvSchema = z.object({
  ...tableEnvSchema.shape,
  ...idempotencyEnvSchema.shape,
  ...stateMachineEnvSchema.shape,
  ...modelsEnvSchema.shape,
  ...pricingEnvSchema.shape,
});
export type CreateVideoEnv = z.input<typeof createVideoEnvSchema>;

export const env = parseEnv(createVideoEnvSchema);

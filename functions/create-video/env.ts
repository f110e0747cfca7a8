import { z } from 'zod';
import {
  idempotencyEnvSchema,
  modelsEnvSchema,
  parseEnv,
  pricingEnvSchema,
  stateMachineEnvSchema,
  tableEnvSchema,
} from '../../shared/config';
import { limitsEnvSchema } from '../../shared/money/limits';

/**
 * POST /v1/videos: the table, the idempotency table, the state machine; models, prices and the default limits
 * optional.
 */
export const createVideoEnvSchema = z.object({
  ...tableEnvSchema.shape,
  ...idempotencyEnvSchema.shape,
  ...stateMachineEnvSchema.shape,
  ...modelsEnvSchema.shape,
  ...pricingEnvSchema.shape,
  ...limitsEnvSchema.shape,
});
export type CreateVideoEnv = z.input<typeof createVideoEnvSchema>;

export const env = parseEnv(createVideoEnvSchema);

import { z } from 'zod';
import {
  idempotencyEnvSchema,
  parseEnv,
  pricingEnvSchema,
  stateMachineEnvSchema,
  tableEnvSchema,
} from '../../shared/config';
import { limitsEnvSchema } from '../../shared/money/limits';

/** POST /v1/videos/{id}/remix: the table, the idempotency table, the state machine; prices and limits optional. */
export const remixVideoEnvSchema = z.object({
  ...tableEnvSchema.shape,
  ...idempotencyEnvSchema.shape,
  ...stateMachineEnvSchema.shape,
  ...pricingEnvSchema.shape,
  ...limitsEnvSchema.shape,
});
export type RemixVideoEnv = z.input<typeof remixVideoEnvSchema>;

export const env = parseEnv(remixVideoEnvSchema);

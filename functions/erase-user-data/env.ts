import * as z from 'zod/mini';
import {
  bucketEnvSchema,
  idempotencyEnvSchema,
  providerGateEnvSchema,
  stateMachineEnvSchema,
  tableEnvSchema,
} from '../../shared/config';

/**
 * EraseUserData: the table, the bucket (every object under the user's prefixes), the idempotency table (the stored
 * answers that hold the user's prompts), the state machine (to stop a cancelled video's execution) and the admission
 * gate (a video cancelled before the provider accepted its job leaves the line); never the provider's key: it sends
 * the provider nothing (a deleted video's provider copy is the reconciler's `provider_delete` work item).
 */
export const eraseUserDataEnvSchema = z.object({
  ...tableEnvSchema().shape,
  ...bucketEnvSchema().shape,
  ...idempotencyEnvSchema().shape,
  ...stateMachineEnvSchema().shape,
  ...providerGateEnvSchema().shape,
  /**
   * How long after it was requested a failing erasure is run again (with backoff) before its work item is abandoned,
   * logged (the erasure stays pending; asking for it again queues it again).
   */
  ERASURE_RETRY_HOURS: z._default(z.coerce.number().check(z.positive()), 48),
  /** The most erasure work items one run looks at. */
  ERASURE_MAX_ITEMS: z._default(z.coerce.number().check(z.int(), z.positive()), 200),
});
export type EraseUserDataEnv = z.input<typeof eraseUserDataEnvSchema>;

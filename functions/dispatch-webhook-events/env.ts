import * as z from 'zod/mini';
import { deliveryStateMachineEnvSchema, tableEnvSchema } from '../../shared/config';

/** DispatchWebhookEvents: the table (outbox, endpoints, delivery log) and the delivery state machine. */
export const dispatchWebhookEventsEnvSchema = z.object({
  ...tableEnvSchema().shape,
  ...deliveryStateMachineEnvSchema().shape,
  /** The most outbox items one run handles. */
  WEBHOOK_DISPATCH_MAX_ITEMS: z._default(z.coerce.number().check(z.int(), z.positive()), 200),
});
export type DispatchWebhookEventsEnv = z.input<typeof dispatchWebhookEventsEnvSchema>;

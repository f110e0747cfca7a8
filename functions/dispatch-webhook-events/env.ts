import * as z from 'zod/mini';
import { deliveryStateMachineEnvSchema, tableEnvSchema } from '../../shared/config';

/** DispatchWebhookEvents: the table (outbox, endpoints, delivery log) and the delivery state machine. */
export const dispatchWebhookEventsEnvSchema = z.object({
  ...tableEnvSchema().shape,
  ...deliveryStateMachineEnvSchema().shape,
  /** The most outbox items one run reads (the users of those take turns). */
  WEBHOOK_DISPATCH_MAX_ITEMS: z._default(z.coerce.number().check(z.int(), z.positive()), 1000),
  /** How many deliveries of one user's events may start in a minute; the rest wait for the next minute. */
  WEBHOOK_DELIVERIES_PER_MINUTE: z._default(z.coerce.number().check(z.int(), z.positive()), 60),
});
export type DispatchWebhookEventsEnv = z.input<typeof dispatchWebhookEventsEnvSchema>;

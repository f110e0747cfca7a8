import * as z from 'zod/mini';
import { tableEnvSchema, webhookUrlEnvSchema } from '../../shared/config';

/** DeliverWebhook: the table (endpoints, delivery log) and the hosts a local receiver may use. */
export const deliverWebhookEnvSchema = z.object({ ...tableEnvSchema().shape, ...webhookUrlEnvSchema().shape });
export type DeliverWebhookEnv = z.input<typeof deliverWebhookEnvSchema>;

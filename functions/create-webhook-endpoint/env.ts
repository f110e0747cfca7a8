import * as z from 'zod/mini';
import { tableEnvSchema, webhookEndpointLimitEnvSchema, webhookUrlEnvSchema } from '../../shared/config';

/** POST /v1/webhook_endpoints: the table, the hosts a local receiver may use, and how many endpoints a user may have. */
export const createWebhookEndpointEnvSchema = z.object({
  ...tableEnvSchema().shape,
  ...webhookUrlEnvSchema().shape,
  ...webhookEndpointLimitEnvSchema().shape,
});
export type CreateWebhookEndpointEnv = z.input<typeof createWebhookEndpointEnvSchema>;

import * as z from 'zod/mini';
import { tableEnvSchema, webhookUrlEnvSchema } from '../../shared/config';

/** POST /v1/webhook_endpoints: the table, and the hosts a local receiver may use. */
export const createWebhookEndpointEnvSchema = z.object({ ...tableEnvSchema().shape, ...webhookUrlEnvSchema().shape });
export type CreateWebhookEndpointEnv = z.input<typeof createWebhookEndpointEnvSchema>;

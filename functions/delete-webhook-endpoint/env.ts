import * as z from 'zod/mini';
import { tableEnvSchema } from '../../shared/config';

/** DELETE /v1/webhook_endpoints/{id}: the table. */
export const deleteWebhookEndpointEnvSchema = z.object({ ...tableEnvSchema().shape });
export type DeleteWebhookEndpointEnv = z.input<typeof deleteWebhookEndpointEnvSchema>;

import * as z from 'zod/mini';
import { tableEnvSchema } from '../../shared/config';

/** GET /v1/webhook_endpoints/{id}: the table. */
export const getWebhookEndpointEnvSchema = z.object({ ...tableEnvSchema().shape });
export type GetWebhookEndpointEnv = z.input<typeof getWebhookEndpointEnvSchema>;

import * as z from 'zod/mini';
import { tableEnvSchema } from '../../shared/config';

/** GET /v1/webhook_endpoints: the table. */
export const listWebhookEndpointsEnvSchema = z.object({ ...tableEnvSchema().shape });
export type ListWebhookEndpointsEnv = z.input<typeof listWebhookEndpointsEnvSchema>;

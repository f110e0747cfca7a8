import * as z from 'zod/mini';
import { tableEnvSchema } from '../../shared/config';

/** GET /v1/webhook_endpoints/{id}/deliveries: the table. */
export const listWebhookDeliveriesEnvSchema = z.object({ ...tableEnvSchema().shape });
export type ListWebhookDeliveriesEnv = z.input<typeof listWebhookDeliveriesEnvSchema>;

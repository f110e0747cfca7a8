import * as z from 'zod/mini';
import { providerEnvSchema, tableEnvSchema } from '../../shared/config';

/** POST /v1/provider/webhooks: the table (job claims, task tokens, events) and the provider (its secret, its jobs). */
export const receiveProviderWebhookEnvSchema = z.object({ ...tableEnvSchema().shape, ...providerEnvSchema().shape });
export type ReceiveProviderWebhookEnv = z.input<typeof receiveProviderWebhookEnvSchema>;

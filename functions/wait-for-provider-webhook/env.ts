import * as z from 'zod/mini';
import { providerEnvSchema, tableEnvSchema } from '../../shared/config';

/** WaitForProviderWebhook: the table (task tokens, events, the gate's items) and the provider (the job's re-read). */
export const waitForProviderWebhookEnvSchema = z.object({ ...tableEnvSchema().shape, ...providerEnvSchema().shape });
export type WaitForProviderWebhookEnv = z.input<typeof waitForProviderWebhookEnvSchema>;

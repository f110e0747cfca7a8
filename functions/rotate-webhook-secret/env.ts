import * as z from 'zod/mini';
import { tableEnvSchema } from '../../shared/config';

/** POST /v1/webhook_endpoints/{id}/rotate_secret: the table. */
export const rotateWebhookSecretEnvSchema = z.object({ ...tableEnvSchema().shape });
export type RotateWebhookSecretEnv = z.input<typeof rotateWebhookSecretEnvSchema>;

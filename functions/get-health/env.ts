import * as z from 'zod/mini';

/** GET /v1/health needs no configuration. */
export const getHealthEnvSchema = z.object({});
export type GetHealthEnv = z.input<typeof getHealthEnvSchema>;

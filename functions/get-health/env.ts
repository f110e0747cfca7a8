import { z } from 'zod';

/** GET /v1/health needs no configuration. */
export const getHealthEnvSchema = z.object({});
export type GetHealthEnv = z.input<typeof getHealthEnvSchema>;

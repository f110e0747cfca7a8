import { z } from 'zod';
import { parseEnv } from '../../shared/config';

/** GET /v1/health needs no configuration. */
export const getHealthEnvSchema = z.object({});
export type GetHealthEnv = z.input<typeof getHealthEnvSchema>;

export const env = parseEnv(getHealthEnvSchema);

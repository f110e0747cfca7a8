import * as z from 'zod/mini';
import { tableEnvSchema } from '../../shared/config';
import { limitsEnvSchema } from '../../shared/money/user-limits';

/** GET /v1/usage: the table; the default limits optional. */
export const getUsageEnvSchema = z.object({ ...tableEnvSchema().shape, ...limitsEnvSchema().shape });
export type GetUsageEnv = z.input<typeof getUsageEnvSchema>;

import * as z from 'zod/mini';
import { tableEnvSchema } from '../../shared/config';

/** GET /v1/admin/costs: the table (and its gsi2). */
export const getCostsEnvSchema = z.object({ ...tableEnvSchema().shape });
export type GetCostsEnv = z.input<typeof getCostsEnvSchema>;

import * as z from 'zod/mini';
import { tableEnvSchema } from '../../shared/config';

/** GET /v1/admin/audit: the table (and its gsi2). */
export const getAuditEnvSchema = z.object({ ...tableEnvSchema().shape });
export type GetAuditEnv = z.input<typeof getAuditEnvSchema>;

import * as z from 'zod/mini';
import { tableEnvSchema } from '../../shared/config';
import { limitsEnvSchema } from '../../shared/money/user-limits';

/** PUT /v1/admin/users/{userId}/limits: the table; the default limits optional. */
export const putUserLimitsEnvSchema = z.object({ ...tableEnvSchema().shape, ...limitsEnvSchema().shape });
export type PutUserLimitsEnv = z.input<typeof putUserLimitsEnvSchema>;

import * as z from 'zod/mini';
import { tableEnvSchema } from '../../shared/config';
import { limitsEnvSchema } from '../../shared/money/user-limits';

/** GET /v1/admin/users/{userId}/limits: the table; the default limits optional. */
export const getUserLimitsEnvSchema = z.object({ ...tableEnvSchema().shape, ...limitsEnvSchema().shape });
export type GetUserLimitsEnv = z.input<typeof getUserLimitsEnvSchema>;

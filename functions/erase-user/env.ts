import * as z from 'zod/mini';
import { tableEnvSchema } from '../../shared/config';

/** DELETE /v1/admin/users/{userId}: the table (the erasure, its audit record and its work item). */
export const eraseUserEnvSchema = z.object({ ...tableEnvSchema().shape });
export type EraseUserEnv = z.input<typeof eraseUserEnvSchema>;

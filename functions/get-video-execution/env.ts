import * as z from 'zod/mini';
import { stateMachineEnvSchema, tableEnvSchema } from '../../shared/config';

/** GET /v1/admin/videos/{id}/execution: the table (the video) and the state machine (its execution's history). */
export const getVideoExecutionEnvSchema = z.object({ ...tableEnvSchema().shape, ...stateMachineEnvSchema().shape });
export type GetVideoExecutionEnv = z.input<typeof getVideoExecutionEnvSchema>;

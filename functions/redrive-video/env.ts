import * as z from 'zod/mini';
import { stateMachineEnvSchema, tableEnvSchema } from '../../shared/config';

/** POST /v1/admin/videos/{id}/redrive: the table (the video, the audit trail) and the state machine. */
export const redriveVideoEnvSchema = z.object({ ...tableEnvSchema().shape, ...stateMachineEnvSchema().shape });
export type RedriveVideoEnv = z.input<typeof redriveVideoEnvSchema>;

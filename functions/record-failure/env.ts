import { z } from 'zod';
import { parseEnv, tableEnvSchema } from '../../shared/config';

/** RecordFailure: the table. */
export const recordFailureEnvSchema = z.object({ ...tableEnvSchema.shape });
export type RecordFailureEnv = z.input<typeof recordFailureEnvSchema>;

export const env = parseEnv(recordFailureEnvSchema);

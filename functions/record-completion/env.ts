import { z } from 'zod';
import { parseEnv, tableEnvSchema } from '../../shared/config';

/** RecordCompletion: the table. */
export const recordCompletionEnvSchema = z.object({ ...tableEnvSchema.shape });
export type RecordCompletionEnv = z.input<typeof recordCompletionEnvSchema>;

export const env = parseEnv(recordCompletionEnvSchema);

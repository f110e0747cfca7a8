import * as z from 'zod/mini';
import { tableEnvSchema } from '../../shared/config';
import { awsPricesEnvSchema } from '../../shared/money/aws-cost';

/** RecordCompletion: the table; the AWS unit-price table optional. */
export const recordCompletionEnvSchema = z.object({ ...tableEnvSchema.shape, ...awsPricesEnvSchema.shape });
export type RecordCompletionEnv = z.input<typeof recordCompletionEnvSchema>;

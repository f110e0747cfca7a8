import * as z from 'zod/mini';
import { tableEnvSchema } from '../../shared/config';
import { awsPricesEnvSchema } from '../../shared/money/aws-cost';

/** RecordFailure: the table; the AWS unit-price table optional. */
export const recordFailureEnvSchema = z.object({ ...tableEnvSchema.shape, ...awsPricesEnvSchema.shape });
export type RecordFailureEnv = z.input<typeof recordFailureEnvSchema>;

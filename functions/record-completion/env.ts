import * as z from 'zod/mini';
import { bucketEnvSchema, tableEnvSchema } from '../../shared/config';
import { awsPricesEnvSchema } from '../../shared/money/aws-cost';

/** RecordCompletion: the table and the bucket (whose objects it re-tags); the AWS unit-price table optional. */
export const recordCompletionEnvSchema = z.object({
  ...tableEnvSchema().shape,
  ...bucketEnvSchema().shape,
  ...awsPricesEnvSchema().shape,
});
export type RecordCompletionEnv = z.input<typeof recordCompletionEnvSchema>;

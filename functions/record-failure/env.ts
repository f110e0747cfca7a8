import * as z from 'zod/mini';
import { providerGateEnvSchema, tableEnvSchema } from '../../shared/config';
import { awsPricesEnvSchema } from '../../shared/money/aws-cost';

/**
 * RecordFailure: the table; the AWS unit-price table optional; the provider's base URL and the gate's limits (the
 * admission gate is named after the provider's host), never its key: it sends the provider nothing.
 */
export const recordFailureEnvSchema = z.object({
  ...tableEnvSchema().shape,
  ...awsPricesEnvSchema().shape,
  ...providerGateEnvSchema().shape,
});
export type RecordFailureEnv = z.input<typeof recordFailureEnvSchema>;

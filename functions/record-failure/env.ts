import * as z from 'zod/mini';
import { providerEnvSchema, tableEnvSchema } from '../../shared/config';
import { awsPricesEnvSchema } from '../../shared/money/aws-cost';

/**
 * RecordFailure: the table; the AWS unit-price table optional; the provider's base URL and the gate's limits (the
 * admission gate is named after the provider's host), never its key: it sends the provider nothing.
 */
export const recordFailureEnvSchema = z.object({
  ...tableEnvSchema.shape,
  ...awsPricesEnvSchema.shape,
  PROVIDER_BASE_URL: providerEnvSchema.shape.PROVIDER_BASE_URL,
  PROVIDER_MAX_CONCURRENT_JOBS: providerEnvSchema.shape.PROVIDER_MAX_CONCURRENT_JOBS,
  PROVIDER_REQUESTS_PER_MINUTE: providerEnvSchema.shape.PROVIDER_REQUESTS_PER_MINUTE,
  PROVIDER_SLOT_LEASE_SECONDS: providerEnvSchema.shape.PROVIDER_SLOT_LEASE_SECONDS,
  PROVIDER_RATE_WINDOW_SECONDS: providerEnvSchema.shape.PROVIDER_RATE_WINDOW_SECONDS,
});
export type RecordFailureEnv = z.input<typeof recordFailureEnvSchema>;

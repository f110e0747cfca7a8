import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ProviderEnv } from '../../config';
import { ProviderGate } from './provider-gate';

/**
 * The admission gate of the configured provider: one per provider account, named after the host of its base URL,
 * with the limits of its deployment settings (PROVIDER_MAX_CONCURRENT_JOBS, PROVIDER_REQUESTS_PER_MINUTE,
 * PROVIDER_SLOT_LEASE_SECONDS, PROVIDER_RATE_WINDOW_SECONDS).
 */
export function providerGateFromEnv(
  env: Required<Pick<ProviderEnv, 'PROVIDER_BASE_URL'>> & {
    PROVIDER_MAX_CONCURRENT_JOBS: number;
    PROVIDER_REQUESTS_PER_MINUTE: number;
    PROVIDER_SLOT_LEASE_SECONDS: number;
    PROVIDER_RATE_WINDOW_SECONDS: number;
    TABLE_NAME: string;
  },
  ddb: Pick<DynamoDBDocumentClient, 'send'>,
  clock: () => Date = () => new Date(),
): ProviderGate {
  return new ProviderGate({
    ddb,
    tableName: env.TABLE_NAME,
    provider: new URL(env.PROVIDER_BASE_URL).host,
    limits: {
      maxConcurrentJobs: env.PROVIDER_MAX_CONCURRENT_JOBS,
      requestsPerMinute: env.PROVIDER_REQUESTS_PER_MINUTE,
      leaseSeconds: env.PROVIDER_SLOT_LEASE_SECONDS,
      windowSeconds: env.PROVIDER_RATE_WINDOW_SECONDS,
    },
    clock,
  });
}

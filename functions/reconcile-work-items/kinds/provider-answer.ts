import type { PermanentProviderError } from '../../../shared/errors';
import { isUnknownJobError } from '../../../shared/provider/port';

/**
 * Whether the provider answered 404 (it no longer knows the job): for the reconciler a job deleted or expired at the
 * provider, which ends its following like any other outcome (the port's isUnknownJobError).
 */
export function isGoneAtProvider(error: unknown): error is PermanentProviderError {
  return isUnknownJobError(error);
}

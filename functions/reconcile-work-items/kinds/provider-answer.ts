import { PermanentProviderError } from '../../../shared/errors';

/**
 * Whether the provider answered 404 (it no longer knows the job): for the reconciler a job deleted or expired at the
 * provider, which ends its following like any other outcome.
 */
export function isGoneAtProvider(error: unknown): error is PermanentProviderError {
  return error instanceof PermanentProviderError && statusOf(error.cause) === 404;
}

function statusOf(cause: unknown): number | undefined {
  const status = (cause as { status?: unknown } | null | undefined)?.status;
  return typeof status === 'number' ? status : undefined;
}

import { APIConnectionError, APIError, OpenAIError } from 'openai';
import { PermanentProviderError, RetryableProviderError } from '../../errors';
import { retryAfterSeconds } from '../retry-after';

/**
 * Maps an SDK error to ours, keeping it as `cause`: 429, 5xx, 408 and network/timeouts are retryable;
 * other 4xx are permanent, with the provider's error code and HTTP status. Messages carry status and provider message
 * only.
 */
export function mapProviderError(error: unknown, operation: string): Error {
  // The SDK wraps what the key resolver threw; that error already says what happened.
  if (error instanceof OpenAIError && error.cause instanceof RetryableProviderError) return error.cause;
  if (error instanceof APIConnectionError) {
    return new RetryableProviderError(`Provider ${operation} failed: ${error.message}`, { cause: error });
  }
  if (error instanceof APIError && typeof error.status === 'number') {
    const status = error.status;
    const detail = `Provider ${operation} answered ${status}: ${providerMessage(error)}`;
    if (status === 429 || status >= 500 || status === 408) {
      return new RetryableProviderError(detail, {
        cause: error,
        retryAfterSeconds: retryAfterSeconds(error.headers),
        rateLimited: status === 429,
      });
    }
    const message = providerMessage(error);
    return new PermanentProviderError(detail, {
      providerCode: error.code ?? undefined,
      ...(message === 'no message' ? {} : { providerMessage: message }),
      providerStatus: status,
      cause: error,
    });
  }
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')) {
    return new RetryableProviderError(`Provider ${operation} timed out`, { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}

function providerMessage(error: APIError): string {
  const body = error.error as { message?: unknown } | undefined;
  return typeof body?.message === 'string' ? body.message : 'no message';
}

/*
 * The one place that decides which failures are transient (worth retrying) and which are permanent. The state
 * machine's Retry lists (state-machines/video-pipeline.ts) and the task handlers (shared/pipeline/task-middleware.ts,
 * which names a transient AWS SDK error TransientAwsError before Step Functions sees it) both read this module, so a
 * new transient error is added here once and both sides agree.
 *
 * Plain data and functions only: no CDK and no SDK imports, so infra and every bundle can use it.
 */

/** Our own errors (shared/errors.ts `name`s) a task throws when the provider or the network failed for now. */
export const TRANSIENT_PROVIDER_ERRORS = ['RetryableProviderError', 'DownloadInterruptedError'] as const;

/** The name a task gives an AWS SDK error that is transient (throttling, 5xx, a dropped connection). */
export const TRANSIENT_AWS_ERROR = 'TransientAwsError';

/**
 * Errors Step Functions reports when invoking the Lambda function failed rather than the handler: the service
 * faulted, the account or function was throttled, or the sandbox timed out or died (before or after the handler
 * ran; every task is idempotent, so running it again is safe).
 */
export const TRANSIENT_LAMBDA_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.TooManyRequestsException',
  'Sandbox.Timedout',
] as const;

/** Every error name a pipeline task's Retry list matches. */
export const TRANSIENT_TASK_ERRORS = [
  ...TRANSIENT_PROVIDER_ERRORS,
  TRANSIENT_AWS_ERROR,
  ...TRANSIENT_LAMBDA_ERRORS,
] as const;

/**
 * AWS error codes (the SDK's `error.name`) that mean "not now" in every service we call: throttling, a service-side
 * fault, or a transaction that lost a race and wrote nothing.
 */
export const TRANSIENT_AWS_ERROR_CODES: ReadonlySet<string> = new Set([
  // Throttling (DynamoDB, S3, Step Functions, Secrets Manager, STS)
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'TransactionInProgressException',
  // Service-side faults
  'InternalServerError',
  'InternalFailure',
  'InternalError',
  'InternalServiceError',
  'InternalServiceErrorException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  // DynamoDB: another transaction held the items; nothing was written
  'TransactionConflictException',
  // Timeouts of the request itself
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

/** Node socket error codes of a connection that failed or dropped: nothing says the request was not applied. */
export const TRANSIENT_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** DynamoDB transaction cancellation reasons that mean "lost a race or throttled", not "a condition failed". */
export const TRANSIENT_CANCELLATION_REASONS: ReadonlySet<string> = new Set([
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
]);

interface AwsLikeError {
  name?: unknown;
  code?: unknown;
  $fault?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  CancellationReasons?: Array<{ Code?: unknown }>;
  cause?: unknown;
}

/**
 * True when `error` (as thrown by an AWS SDK v3 client, or by the network under it) is worth retrying: a
 * throttling or server-side code, a 5xx or 429 answer, the SDK's own `$retryable` mark, a dropped connection, or a
 * transaction cancelled only because of conflicts or throttling. Anything else (a failed condition, access denied,
 * validation) is permanent.
 */
export function isTransientAwsError(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current !== null && typeof current === 'object' && depth < 5; depth++) {
    const candidate = current as AwsLikeError;
    if (typeof candidate.name === 'string' && TRANSIENT_AWS_ERROR_CODES.has(candidate.name)) return true;
    if (typeof candidate.code === 'string' && TRANSIENT_NETWORK_CODES.has(candidate.code)) return true;
    if (candidate.$retryable !== undefined && candidate.$retryable !== null) return true;
    if (candidate.$fault === 'server') return true;
    const status = candidate.$metadata?.httpStatusCode;
    if (typeof status === 'number' && (status >= 500 || status === 429)) return true;
    if (candidate.name === 'TransactionCanceledException') {
      const reasons = (candidate.CancellationReasons ?? []).map((reason) => String(reason.Code ?? 'None'));
      return (
        reasons.some((code) => TRANSIENT_CANCELLATION_REASONS.has(code)) &&
        reasons.every((code) => code === 'None' || TRANSIENT_CANCELLATION_REASONS.has(code))
      );
    }
    current = candidate.cause;
  }
  return false;
}

/**
 * Every error the application raises on purpose. Each subclass sets `name` to a string literal:
 * Step Functions matches `ErrorEquals` on it, and minification must not change it.
 */
export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'rate_limit_error'
  | 'api_error';

export interface AppErrorOptions {
  status: number;
  code: string;
  type?: ErrorType;
  param?: string | null;
  /** Seconds a client should wait before retrying (429s). */
  retryAfterSeconds?: number;
  cause?: unknown;
}

/** Base of every error we raise on purpose; carries the HTTP status and the API error code. */
export class AppError extends Error {
  override name = 'AppError';
  readonly status: number;
  readonly code: string;
  readonly type: ErrorType;
  readonly param: string | null;
  readonly retryAfterSeconds: number | undefined;

  constructor(message: string, options: AppErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status;
    this.code = options.code;
    this.type = options.type ?? (options.status >= 500 ? 'api_error' : 'invalid_request_error');
    this.param = options.param ?? null;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** 400: the request is malformed or a field is invalid. */
export class ValidationError extends AppError {
  override name = 'ValidationError';
  constructor(message: string, param: string | null = null, code = 'invalid_parameter') {
    super(message, { status: 400, code, param });
  }
}

/** 404: missing, or not the caller's (never leak existence). */
export class NotFoundError extends AppError {
  override name = 'NotFoundError';
  constructor(message = 'No such video') {
    super(message, { status: 404, code: 'not_found' });
  }
}

/** 409: the resource is in a state that does not allow the operation. */
export class ConflictError extends AppError {
  override name = 'ConflictError';
  constructor(message: string, code = 'invalid_state') {
    super(message, { status: 409, code });
  }
}

/** 409: the caller has as many of something as a limit allows (e.g. webhook endpoints); `param` names the field. */
export class LimitExceededError extends AppError {
  override name = 'LimitExceededError';
  constructor(message: string, param: string | null = null) {
    super(message, { status: 409, code: 'limit_exceeded', param });
  }
}

/** The provider answered 429, 5xx, or the network failed: worth retrying. */
export class RetryableProviderError extends AppError {
  override name = 'RetryableProviderError';
  /** True when the provider answered 429 (rate limited) rather than failing. */
  readonly rateLimited: boolean;
  constructor(message: string, options: { retryAfterSeconds?: number; rateLimited?: boolean; cause?: unknown } = {}) {
    const { rateLimited = false, ...rest } = options;
    super(message, { status: 503, code: 'provider_unavailable', ...rest });
    this.rateLimited = rateLimited;
  }
}

/**
 * The admission gate (shared/provider/gate) has no request token for now: nothing was sent to the provider. It is a
 * rate limit reelflow sets itself, handled where a provider 429 is (a Wait state, a rescheduled work item).
 */
export class ProviderGateWaitError extends RetryableProviderError {
  override name = 'ProviderGateWaitError';
  constructor(retryAfterSeconds: number) {
    super('The provider admission gate has no request token yet', { retryAfterSeconds, rateLimited: true });
  }
}

/**
 * An AWS service call failed for now (throttling, a 5xx, a dropped connection, a transaction conflict), after the
 * SDK's own retries: the task is retried by the state machine (shared/aws/transient-errors.ts decides what qualifies).
 */
export class TransientAwsError extends AppError {
  override name = 'TransientAwsError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { status: 503, code: 'service_unavailable', ...options });
  }
}

/** The provider rejected the request for good (400, 401, 403, 404, moderation): never retried. */
export class PermanentProviderError extends AppError {
  override name = 'PermanentProviderError';
  /** The provider's `error.code` (e.g. `moderation_blocked`), when it sent one. */
  readonly providerCode: string | null;
  /** The provider's `error.message`, when it sent one. */
  readonly providerMessage: string | null;
  /** The HTTP status the provider answered (404: it no longer knows the job), when the adapter knows it. */
  readonly providerStatus: number | null;
  constructor(
    message: string,
    options: { providerCode?: string; providerMessage?: string; providerStatus?: number; cause?: unknown } = {},
  ) {
    super(message, { status: 502, code: options.providerCode ?? 'provider_failed', cause: options.cause });
    this.providerCode = options.providerCode ?? null;
    this.providerMessage = options.providerMessage ?? null;
    this.providerStatus = options.providerStatus ?? null;
  }
}

/**
 * The provider adapter has no such operation (its capabilities say so, shared/provider/port.ts): a caller that
 * checked the capability first never sees it. Never retried.
 */
export class ProviderCapabilityMissingError extends AppError {
  override name = 'ProviderCapabilityMissingError';
  /** The capability the operation needs (`list`, `delete`, `cancel`, `remix`, ...). */
  readonly capability: string;
  constructor(kind: string, capability: string) {
    super(`The ${kind} provider adapter cannot ${capability}`, { status: 501, code: 'provider_capability_missing' });
    this.capability = capability;
  }
}

/**
 * The provider refused to create (or remix) the job for good (a permanent 4xx such as a moderation block): no job
 * exists. The message is `code: message` (the provider's code, else `provider_rejected`), which RecordFailure shows
 * the video's owner; `Cause` of a Step Functions catch carries only the message.
 */
export class ProviderRejectedError extends AppError {
  override name = 'ProviderRejectedError';
  constructor(code: string, message: string, options: { cause?: unknown } = {}) {
    super(`${code}: ${message}`, { status: 502, code, cause: options.cause });
  }
}

/** The provider finished the job as `failed`; `code` is the provider's error code (e.g. moderation_blocked). */
export class GenerationFailedError extends AppError {
  override name = 'GenerationFailedError';
  constructor(code: string, message: string) {
    super(message, { status: 502, code });
  }
}

/** The provider kept answering 429 to the create after every wait the policy allows: no job was made. */
export class ProviderRateLimitedError extends AppError {
  override name = 'ProviderRateLimitedError';
  constructor(message: string) {
    super(message, { status: 503, code: 'provider_rate_limited' });
  }
}

/** The job did not finish within the allowed number of polls. */
export class GenerationTimedOutError extends AppError {
  override name = 'GenerationTimedOutError';
  constructor(message: string) {
    super(message, { status: 504, code: 'timed_out' });
  }
}

/** A download from the provider broke off or did not match its announced length: retried. */
export class DownloadInterruptedError extends AppError {
  override name = 'DownloadInterruptedError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { status: 503, code: 'provider_unavailable', ...options });
  }
}

/** The provider's download URL has expired; the video cannot be stored any more. */
export class ContentExpiredError extends AppError {
  override name = 'ContentExpiredError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { status: 410, code: 'expired', ...options });
  }
}

/** 401: no caller identity on a route that needs one. */
export class UnauthenticatedError extends AppError {
  override name = 'UnauthenticatedError';
  constructor(message = 'Missing or invalid bearer token') {
    super(message, { status: 401, code: 'unauthenticated', type: 'authentication_error' });
  }
}

/** 403: the caller lacks the role a route needs. */
export class ForbiddenError extends AppError {
  override name = 'ForbiddenError';
  constructor(message = 'You do not have access to this resource') {
    super(message, { status: 403, code: 'forbidden', type: 'permission_error' });
  }
}

/** 413: the request body is larger than the API accepts. */
export class PayloadTooLargeError extends AppError {
  override name = 'PayloadTooLargeError';
  constructor(message: string, param: string | null = null) {
    super(message, { status: 413, code: 'payload_too_large', param });
  }
}

/** 415: a JSON route got a body of another content type. */
export class UnsupportedMediaTypeError extends AppError {
  override name = 'UnsupportedMediaTypeError';
  constructor(message: string) {
    super(message, { status: 415, code: 'unsupported_media_type' });
  }
}

/** 402: the caller's monthly budget cannot cover this video's estimate (charged + reserved + estimate > budget). */
export class BudgetExceededError extends AppError {
  override name = 'BudgetExceededError';
  constructor(message = 'Your monthly budget cannot cover this video') {
    super(message, { status: 402, code: 'budget_exceeded' });
  }
}

/** 429: the caller has too many videos not yet finished, or created too many today; retry after the given seconds. */
export class QuotaExceededError extends AppError {
  override name = 'QuotaExceededError';
  constructor(message: string, retryAfterSeconds: number) {
    super(message, { status: 429, code: 'quota_exceeded', type: 'rate_limit_error', retryAfterSeconds });
  }
}

/** 429: the caller asked for something more often than a per-user rate allows; retry after the given seconds. */
export class RateLimitedError extends AppError {
  override name = 'RateLimitedError';
  constructor(message: string, retryAfterSeconds: number) {
    super(message, { status: 429, code: 'rate_limited', type: 'rate_limit_error', retryAfterSeconds });
  }
}

/** The provider secret has no `webhookSecret`: the provider webhook receiver is off and the pipeline polls only. */
export class ProviderWebhooksNotConfiguredError extends AppError {
  override name = 'ProviderWebhooksNotConfiguredError';
  constructor(message = 'Provider webhooks are not configured: the provider secret has no webhookSecret') {
    super(message, { status: 404, code: 'not_found' });
  }
}

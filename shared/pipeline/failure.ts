import type { VideoFailure } from '../video/video';

/*
 * How a caught pipeline failure (Step Functions' `{ Error, Cause }`) becomes the `error` a failed video shows its
 * owner. RecordFailure uses it for every failed execution, and the provider-cost reconciler for an execution that
 * timed out without reaching RecordFailure, so both describe the same failure the same way.
 */

/** The message inside a Cause: a Lambda error JSON `{"errorType","errorMessage"}` or a plain message. */
export function causeMessage(cause: string | undefined): string {
  if (cause === undefined || cause === '') return '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed?.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // Not JSON: the Cause is the message itself.
  }
  return cause;
}

/**
 * The video's `error` for a caught failure: GenerationFailedError (the job failed) and ProviderRejectedError (the
 * provider refused to create it) → the provider's code (the message's prefix);
 * GenerationTimedOutError or States.Timeout → `timed_out`; ContentExpiredError → `expired`;
 * ProviderRateLimitedError → `provider_rate_limited`; RetryableProviderError (the provider kept failing or could not
 * be reached through every retry) → `provider_unavailable`; anything else → `provider_failed`. Messages are for the video's owner: internal detail stays in the logs.
 */
export function failureOf(failure: { Error?: string; Cause?: string } | undefined): VideoFailure {
  const name = failure?.Error ?? '';
  const message = causeMessage(failure?.Cause);
  switch (name) {
    case 'GenerationFailedError':
    case 'ProviderRejectedError': {
      const match = /^([A-Za-z0-9_.-]+):\s*([\s\S]*)$/.exec(message);
      return match === null
        ? { code: 'provider_failed', message: message || 'The provider failed to generate the video' }
        : { code: match[1]!, message: match[2] || 'The provider failed to generate the video' };
    }
    case 'GenerationTimedOutError':
    case 'States.Timeout':
      return { code: 'timed_out', message: 'The video did not finish in time' };
    case 'ContentExpiredError':
      return { code: 'expired', message: 'The generated video expired before it could be stored' };
    case 'ProviderRateLimitedError':
      return {
        code: 'provider_rate_limited',
        message: 'The video provider was at its rate limit for too long to accept the video; nothing was charged',
      };
    case 'RetryableProviderError':
      return {
        code: 'provider_unavailable',
        message: 'The video provider kept failing or could not be reached; nothing was charged',
      };
    default:
      return { code: 'provider_failed', message: 'The video could not be generated' };
  }
}

/**
 * Codes of failures the user caused or the provider refused on the content's merits (moderation, invalid input):
 * expected outcomes that no operator can fix, so they never page. Every other code, including a provider code not
 * listed here, is an infrastructure failure and pages: an unknown code is looked at once and, if it is a refusal,
 * added here.
 */
export const REFUSAL_CODES: ReadonlySet<string> = new Set([
  'moderation_blocked',
  'content_policy_violation',
  'content_filter',
  'invalid_prompt',
  'invalid_input',
  'invalid_request',
  'invalid_request_error',
  'unsupported_input',
]);

/** Whether a failed video's code is a refusal (never pages) or an infrastructure failure (always pages). */
export type FailureKind = 'refused' | 'infrastructure';

/** The kind of a failed video's error code (see {@link REFUSAL_CODES}). */
export function failureKind(code: string): FailureKind {
  return REFUSAL_CODES.has(code) ? 'refused' : 'infrastructure';
}

import { SFNClient } from '@aws-sdk/client-sfn';
import { region } from './region';

/**
 * Attempts of a Step Functions call (the SDK's standard retry: capped exponential backoff with full jitter). Only the
 * API functions call Step Functions, to start or stop a video's execution, with no Retry behind them: a start that
 * still fails marks the video failed. The SDK's default of 3 lets three throttles in a row fail a video; 8 rides
 * out a burst of about 13 s. Safe to repeat: a start is named after the video (same name and input = the same
 * execution) and a stop of a stopped execution changes nothing.
 */
export const SFN_MAX_ATTEMPTS = 8;

/** Module-scope Step Functions client (traced where the handler wraps it, shared/observability/tracing.ts). */
export const sfn = new SFNClient({ region, maxAttempts: SFN_MAX_ATTEMPTS });

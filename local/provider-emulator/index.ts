/**
 * A local emulator of the Sora-2-style `/v1/videos` provider, faithful enough that the official `openai` SDK cannot
 * tell it from the real service, failures included. See README.md for routes, faults and content modes.
 */
export type { ApiError } from './api-error';
export type {
  DropDownload,
  EmulatorRoute,
  ErrorBurst,
  FailGeneration,
  Faults,
  JobTarget,
  RateLimitStorm,
} from './faults';
export type { EmulatorOptions, RunningEmulator } from './server';
export { startEmulator } from './server';
export type { VideoEvent, VideoEventType, WebhookConfig } from './webhooks';
export { signWebhook } from './webhooks';

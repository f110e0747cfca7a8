import type { AppMetrics } from '../observability/powertools';
import { PROVIDER_KINDS, type ProviderKind } from './kinds';
import { OpenAIVideoProvider } from './openai/adapter';
import type { ProviderAdapter, ProviderClientConfig } from './port';

/*
 * The registry of provider kinds: each kind's adapter factory (shared/provider/<kind>/). A new kind is a new folder
 * and one line here; the callers (the pipeline, the reconciler, the webhook receiver, the gate) read the adapter's
 * capabilities and never name a kind (test/unit/architecture.test.ts keeps kind names out of the rest of the code).
 */

/** Builds an adapter of one kind from where its provider is and the secret that holds its key. */
export type ProviderAdapterFactory = (config: ProviderClientConfig) => ProviderAdapter;

/** Each provider kind's adapter factory: one per name in PROVIDER_KINDS (kinds.ts). */
export const PROVIDER_ADAPTERS = {
  openai: (config) => new OpenAIVideoProvider(config),
} as const satisfies Record<ProviderKind, ProviderAdapterFactory>;

export { PROVIDER_KINDS, type ProviderKind };

/**
 * The kind of the provider the deployment settings name (PROVIDER_BASE_URL, PROVIDER_SECRET_ARN): the one provider
 * every handler talks to until models are routed to providers.
 */
export const CONFIGURED_PROVIDER_KIND: ProviderKind = 'openai';

/** An adapter of `kind`. */
export function providerAdapter(kind: ProviderKind, config: ProviderClientConfig): ProviderAdapter {
  return PROVIDER_ADAPTERS[kind](config);
}

/** The client configuration from a function's parsed provider environment. */
export function providerConfigFromEnv(env: {
  PROVIDER_BASE_URL: string;
  PROVIDER_SECRET_ARN: string;
  PROVIDER_TIMEOUT_MS: number;
  PROVIDER_SECRET_MAX_AGE_SECONDS: number;
}): ProviderClientConfig {
  return {
    baseURL: env.PROVIDER_BASE_URL,
    secretArn: env.PROVIDER_SECRET_ARN,
    timeoutMs: env.PROVIDER_TIMEOUT_MS,
    secretMaxAgeSeconds: env.PROVIDER_SECRET_MAX_AGE_SECONDS,
  };
}

/**
 * The adapter of the configured provider (CONFIGURED_PROVIDER_KIND at PROVIDER_BASE_URL), its answers measured in
 * `metrics` when given. Not behind the admission gate: wrap it in GatedVideoProvider where every request takes a token.
 */
export function providerAdapterFromEnv(
  env: Parameters<typeof providerConfigFromEnv>[0],
  options: { metrics?: AppMetrics } = {},
): ProviderAdapter {
  return providerAdapter(CONFIGURED_PROVIDER_KIND, {
    ...providerConfigFromEnv(env),
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
  });
}

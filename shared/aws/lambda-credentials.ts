import { fromEnv } from '@aws-sdk/credential-provider-env';

// Stands in for `@aws-sdk/credential-provider-node` in every deployed bundle (AppFunction's alias; tests and the local
// stack keep the real one). Why: docs/ARCHITECTURE.md, "What a function bundles" (Credentials).

/**
 * The SDK's `defaultProvider` contract, answered from the environment only. Fails with the SDK's own
 * CredentialsProviderError when the variables are missing, as the default chain would after trying the rest.
 */
export function defaultProvider(init: Parameters<typeof fromEnv>[0] = {}): ReturnType<typeof fromEnv> {
  return fromEnv(init);
}

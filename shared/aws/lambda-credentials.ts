import { fromEnv } from '@aws-sdk/credential-provider-env';

/*
 * Stands in for `@aws-sdk/credential-provider-node` in every deployed bundle (AppFunction aliases that package to
 * this module at bundling time; tests and the local stack keep the real one).
 *
 * Why: Lambda always hands a function its role's credentials in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
 * AWS_SESSION_TOKEN, so the SDK's default chain always ends at its first link. The rest of that chain (shared
 * config files, SSO, web identity, the sign-in flow, IMDS, the container endpoint) and the STS/SSO clients it
 * carries for them were ~140 KiB of every bundle, parsed on every cold start and never run.
 * The local stack's function runtime runs the TypeScript sources, where nothing is aliased.
 */

/**
 * The SDK's `defaultProvider` contract, answered from the environment only. Fails with the SDK's own
 * CredentialsProviderError when the variables are missing, as the default chain would after trying the rest.
 */
export function defaultProvider(init: Parameters<typeof fromEnv>[0] = {}): ReturnType<typeof fromEnv> {
  return fromEnv(init);
}

import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { RetryableProviderError } from '../errors';
import type { ProviderClientConfig } from './port';

/** Resolves a provider's API key; `refresh()` makes the next call read the secret again, past the cache. */
export interface ApiKeyResolver {
  (): Promise<string>;
  refresh(): void;
}

/**
 * Resolves a provider's API key: the JSON secret's `apiKey`, read through Powertools Parameters (cached for
 * `secretMaxAgeSeconds`). Every failure is a RetryableProviderError: Secrets Manager throttled or failed, or the
 * secret is mid-rotation; the task's retries try again. The key never reaches a log or an error message.
 */
export function apiKeyResolver(config: ProviderClientConfig): ApiKeyResolver {
  const { secretArn } = config;
  let forceFetch = false;
  const resolve = async () => {
    let secret: { apiKey?: unknown } | undefined;
    try {
      secret = await getSecret<{ apiKey?: unknown }>(secretArn, {
        transform: 'json',
        maxAge: config.secretMaxAgeSeconds,
        forceFetch,
      });
    } catch (error) {
      throw new RetryableProviderError('The provider key could not be read from its secret', { cause: error });
    }
    forceFetch = false;
    if (typeof secret?.apiKey !== 'string' || secret.apiKey.length === 0) {
      throw new RetryableProviderError('The provider secret has no apiKey');
    }
    return secret.apiKey;
  };
  return Object.assign(resolve, {
    refresh: () => {
      forceFetch = true;
    },
  });
}

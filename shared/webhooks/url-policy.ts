import { ValidationError } from '../errors';
import { assertAllowedUrl, type GuardedFetchOptions, UrlNotAllowedError } from '../net/ssrf-guard';

/** How an endpoint URL is checked when it is given. */
export interface EndpointUrlPolicy {
  /** Host names that may use http: and a private address (local stack only). */
  allowLocalHosts: readonly string[];
  /** Resolves a host name (tests pass a fake). */
  resolve?: GuardedFetchOptions['resolve'];
}

/**
 * Checks a webhook endpoint URL as it is registered: https, no credentials, and a host whose every address is public
 * (the SSRF guard of shared/net/ssrf-guard.ts), else 400 with `param: url`. The delivery checks the address again
 * when it connects: a name that resolves elsewhere later (DNS rebinding) is refused then.
 */
export async function checkEndpointUrl(url: string, policy: EndpointUrlPolicy): Promise<string> {
  try {
    await assertAllowedUrl(url, {
      allowPrivateHosts: policy.allowLocalHosts,
      ...(policy.resolve === undefined ? {} : { resolve: policy.resolve }),
    });
  } catch (error) {
    if (error instanceof UrlNotAllowedError) throw new ValidationError(`url is not allowed: ${error.message}`, 'url');
    throw error;
  }
  return new URL(url).toString();
}

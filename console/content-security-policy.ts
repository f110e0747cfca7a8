/**
 * The web console's Content-Security-Policy: one definition, sent by the CloudFront distribution in AWS (its response
 * headers policy) and by the local console server. Plain data, no imports: the CDK app and the local stack both load it.
 *
 * What the bundle needs and nothing more: its own script and stylesheet (no inline script or style element; preact
 * and uPlot set styles through the DOM, which style-src does not govern), thumbnails as `blob:` object URLs, and
 * fetch to its own origin (config.json, the API at `/v1/*`), to the identity provider's token endpoint, and to the
 * video bucket, where the API's 302 for a thumbnail or a download leads. Sign-in and sign-out are top-level
 * navigations, which CSP does not restrict.
 */
export interface ConsoleOrigins {
  /** The identity provider's origin (the code exchange at `/oauth2/token` is a cross-origin fetch in AWS). */
  readonly identityProvider: string;
  /** The video bucket's origin, where the presigned URLs of the API's 302s point. */
  readonly media: string;
}

/** The header's value for a console whose token endpoint and video bucket live at `origins`. */
export function consoleContentSecurityPolicy(origins: ConsoleOrigins): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' blob:",
    `connect-src 'self' ${origins.identityProvider} ${origins.media}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

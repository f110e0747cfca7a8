import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/*
 * Fetching a URL a user gave us, without letting the user point the fetch at our own network: the cloud metadata
 * service (169.254.169.254, fd00:ec2::254), loopback, private ranges and the like. Shared by every outbound call
 * made to a user-chosen address (reference images today, webhooks later).
 */

/** The URL or an address it resolved to is not allowed (scheme, private address, redirect). */
export class UrlNotAllowedError extends Error {
  override name = 'UrlNotAllowedError' as const;
  /** See the constructor's `refusedAddress`. */
  readonly refusedAddress: string | undefined;
  constructor(
    message: string,
    options?: {
      cause?: unknown;
      /**
       * For operators only (logs), never in a message a client sees: the non-public address a name resolved to.
       * The message says only that the name is refused, so the API is no oracle for what internal names resolve to.
       */
      refusedAddress?: string;
    },
  ) {
    super(message, options);
    this.refusedAddress = options?.refusedAddress;
  }
}

/** The refusal of a name that resolved to `address`: the message does not carry the address (see refusedAddress). */
function notPublicName(hostname: string, address: string): UrlNotAllowedError {
  return new UrlNotAllowedError(`${hostname} resolves to an address that is not public`, { refusedAddress: address });
}

/** The remote server answered, but not with something usable within the limits (status, size, time). */
export class RemoteFetchError extends Error {
  override name = 'RemoteFetchError' as const;
  constructor(
    message: string,
    /** `too_large` when over `maxBytes`, `timeout`, `status` for a non-2xx answer, `network` otherwise. */
    readonly reason: 'too_large' | 'timeout' | 'status' | 'network',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** How a guarded fetch is bounded. */
export interface GuardedFetchOptions {
  /** The most body bytes read; more → RemoteFetchError `too_large`. */
  maxBytes: number;
  /** The whole fetch (connect, headers, body) must end within this many milliseconds. */
  timeoutMs: number;
  /**
   * Test aid only: host names (exactly as in the URL, e.g. `localhost`) for which `http:` and non-public addresses
   * are allowed, so a test can serve from a local server while every other name and address stays guarded. Never
   * set in a deployment; the local stack sets it only when its configuration asks (see local/README.md).
   * @default []
   */
  allowPrivateHosts?: readonly string[];
  /** Request headers to send (e.g. `accept`). */
  headers?: Record<string, string>;
  /** Resolves a host name to every address (tests pass a fake). @default dns.lookup with `all: true` */
  resolve?: (hostname: string) => Promise<Array<{ address: string; family: number }>>;
}

/** What a guarded fetch read. */
export interface GuardedResponse {
  status: number;
  contentType: string | undefined;
  body: Buffer;
}

/**
 * True for an address on the public internet: IPv4 or IPv6 global unicast only. Private (10/8, 172.16/12,
 * 192.168/16, fc00::/7, which holds fd00:ec2::254), loopback, link-local (169.254/16, which holds the metadata
 * service; fe80::/10), CGNAT (100.64/10), multicast, reserved, unspecified, and the IPv6 forms that embed an IPv4
 * address (mapped ::ffff:0:0/96 is judged by its IPv4 address; the deprecated IPv4-compatible ::/96, e.g.
 * ::7f00:1, NAT64, 6to4 and Teredo are refused) are not.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) parsed = v6.toIPv4Address();
    // ipaddr.js calls ::/96 (which holds :: and ::1) unicast; some stacks route ::a.b.c.d to a.b.c.d.
    else if (v6.match(IPV4_COMPATIBLE)) return false;
  }
  return parsed.range() === 'unicast';
}

const IPV4_COMPATIBLE = ipaddr.IPv6.parseCIDR('::/96');

/**
 * GETs `url` under the guard: `https:` only; the host is resolved once and every address it resolves to must be
 * public (else UrlNotAllowedError), and the connection goes to that checked address (the `lookup` of the socket is
 * ours, so no second resolution can be steered elsewhere: no DNS rebinding); redirects are not followed (a 3xx is
 * UrlNotAllowedError); the body is read up to `maxBytes` and the whole fetch bounded by `timeoutMs`.
 */
export async function guardedFetch(url: string, options: GuardedFetchOptions): Promise<GuardedResponse> {
  const response = await guardedRequest(url, { ...options, method: 'GET' });
  if (response.status < 200 || response.status >= 300) {
    throw new RemoteFetchError(`The URL answered HTTP ${response.status}`, 'status');
  }
  return response;
}

/** A request that is not a plain GET: its method, body, and that any non-redirect status is an answer. */
export interface GuardedPostOptions extends GuardedFetchOptions {
  /** The request body (sent with its byte length). */
  body: string;
}

/**
 * POSTs `body` to `url` under the same guard as {@link guardedFetch} (https only, every resolved address public, the
 * connection to the checked address, no redirects: a 3xx is UrlNotAllowedError) and answers whatever status the
 * server sent, with at most `maxBytes` of its body read. Network failures and the timeout are RemoteFetchError.
 */
export function guardedPost(url: string, options: GuardedPostOptions): Promise<GuardedResponse> {
  return guardedRequest(url, { ...options, method: 'POST' });
}

/**
 * Checks `url` as a guarded request would before connecting: a valid URL, `https:` (or `http:` for an allowed
 * private host), no credentials, and every address its host resolves to public. For validating a URL when it is
 * given (e.g. a webhook endpoint); the request itself checks again at the time it connects.
 */
export async function assertAllowedUrl(
  url: string,
  options: Pick<GuardedFetchOptions, 'allowPrivateHosts' | 'resolve'> = {},
): Promise<void> {
  const { target, allowPrivate, hostname } = checkedTarget(url, options);
  if (isIP(hostname) !== 0 || allowPrivate) return;
  const resolve = options.resolve ?? defaultResolve;
  let addresses: Array<{ address: string }>;
  try {
    addresses = await resolve(hostname);
  } catch (error) {
    throw new UrlNotAllowedError(`${target.hostname} does not resolve`, { cause: error });
  }
  if (addresses.length === 0) throw new UrlNotAllowedError(`${target.hostname} does not resolve`);
  const refused = addresses.find((entry) => !isPublicAddress(entry.address));
  if (refused !== undefined) {
    throw notPublicName(target.hostname, refused.address);
  }
}

const defaultResolve = (name: string) => dnsLookup(name, { all: true, verbatim: true });

function checkedTarget(
  url: string,
  options: Pick<GuardedFetchOptions, 'allowPrivateHosts'>,
): { target: URL; allowPrivate: boolean; hostname: string } {
  let target: URL;
  try {
    target = new URL(url);
  } catch (error) {
    throw new UrlNotAllowedError('The URL is not valid', { cause: error });
  }
  const allowPrivate = (options.allowPrivateHosts ?? []).includes(target.hostname);
  const schemeAllowed = target.protocol === 'https:' || (allowPrivate && target.protocol === 'http:');
  if (!schemeAllowed) throw new UrlNotAllowedError('Only https URLs are allowed');
  if (target.username !== '' || target.password !== '') {
    throw new UrlNotAllowedError('URLs with credentials are not allowed');
  }
  const hostname = target.hostname.replace(/^\[|\]$/g, '');
  // The socket skips `lookup` for an address literal, so a literal is checked here.
  if (isIP(hostname) !== 0 && !allowPrivate && !isPublicAddress(hostname)) {
    throw new UrlNotAllowedError(`The address ${hostname} is not public`);
  }
  return { target, allowPrivate, hostname };
}

async function guardedRequest(
  url: string,
  options: GuardedFetchOptions & { method: 'GET' | 'POST'; body?: string },
): Promise<GuardedResponse> {
  const { target, allowPrivate } = checkedTarget(url, options);
  const lookup = checkedLookup(options.resolve ?? defaultResolve, allowPrivate);

  const signal = AbortSignal.timeout(options.timeoutMs);
  const client = target.protocol === 'https:' ? https : http;
  const headers =
    options.body === undefined
      ? options.headers
      : { ...options.headers, 'content-length': String(Buffer.byteLength(options.body)) };
  return new Promise<GuardedResponse>((resolvePromise, reject) => {
    const request = client.request(
      target,
      { method: options.method, headers, lookup, signal, agent: false },
      (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          response.resume();
          reject(new UrlNotAllowedError(`The URL answered a redirect (${status}), which is not followed`));
          return;
        }
        const announced = Number(response.headers['content-length']);
        if (Number.isFinite(announced) && announced > options.maxBytes) {
          response.destroy();
          reject(tooLarge(options.maxBytes));
          return;
        }
        const chunks: Buffer[] = [];
        let bytes = 0;
        response.on('data', (chunk: Buffer) => {
          bytes += chunk.byteLength;
          if (bytes > options.maxBytes) {
            response.destroy();
            reject(tooLarge(options.maxBytes));
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => {
          const contentType = response.headers['content-type'];
          resolvePromise({ status, contentType, body: Buffer.concat(chunks) });
        });
        response.on('error', (error) => reject(networkError(error, signal)));
      },
    );
    request.on('error', (error) => reject(networkError(error, signal)));
    request.end(options.body);
  });
}

function tooLarge(maxBytes: number): RemoteFetchError {
  return new RemoteFetchError(`The URL's content is larger than ${maxBytes} bytes`, 'too_large');
}

function networkError(error: Error, signal: AbortSignal): Error {
  if (error instanceof UrlNotAllowedError || error instanceof RemoteFetchError) return error;
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof UrlNotAllowedError) return cause;
  if (signal.aborted) return new RemoteFetchError('The URL did not answer in time', 'timeout', { cause: error });
  return new RemoteFetchError('The URL could not be fetched', 'network', { cause: error });
}

/**
 * A socket `lookup` that resolves once and answers only with checked addresses: all of them must be public (one
 * private answer among public ones is refused too, so no choice between them can be steered).
 */
function checkedLookup(resolve: NonNullable<GuardedFetchOptions['resolve']>, allowPrivate: boolean): LookupFunction {
  return (hostname, lookupOptions, callback) => {
    resolve(hostname).then(
      (resolved) => {
        const family = typeof lookupOptions.family === 'number' ? lookupOptions.family : 0;
        const addresses = family === 0 ? resolved : resolved.filter((entry) => entry.family === family);
        const refused = addresses.find((entry) => !allowPrivate && !isPublicAddress(entry.address));
        if (addresses.length === 0) {
          callback(new UrlNotAllowedError(`${hostname} does not resolve`), '', 0);
        } else if (refused !== undefined) {
          callback(notPublicName(hostname, refused.address), '', 0);
        } else if (lookupOptions.all === true) {
          callback(null, addresses);
        } else {
          const first = addresses[0]!;
          callback(null, first.address, first.family);
        }
      },
      (error: Error) => callback(error as NodeJS.ErrnoException, '', 0),
    );
  };
}

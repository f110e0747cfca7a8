import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertAllowedUrl,
  guardedFetch,
  isPublicAddress,
  RemoteFetchError,
  UrlNotAllowedError,
} from '../../../shared/net/ssrf-guard';

describe('isPublicAddress', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fd00:ec2::254',
    'fc00::1',
    '::ffff:127.0.0.1',
    '::ffff:169.254.169.254',
    '64:ff9b::a9fe:a9fe',
    '2002:a9fe:a9fe::1',
    '::7f00:1',
    '::a00:1',
    '::a9fe:a9fe',
    '::808:808',
    'not-an-address',
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });
});

describe('guardedFetch', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/redirect') {
        response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      } else if (request.url === '/big') {
        response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.alloc(2048));
      } else if (request.url === '/missing') {
        response.writeHead(404).end();
      } else {
        response.writeHead(200, { 'content-type': 'text/plain' }).end('hello');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const limits = { maxBytes: 1024, timeoutMs: 5000 };
  // Resolves every name to the local test server, as a rebinding or internal DNS name would.
  const toLoopback = async () => [{ address: '127.0.0.1', family: 4 }];

  it('refuses http, other schemes, credentials and invalid URLs', async () => {
    await expect(guardedFetch(`http://127.0.0.1:${port}/`, limits)).rejects.toThrow(UrlNotAllowedError);
    await expect(guardedFetch('file:///etc/passwd', limits)).rejects.toThrow('Only https URLs are allowed');
    await expect(guardedFetch('https://user:pw@example.com/', limits)).rejects.toThrow(UrlNotAllowedError);
    await expect(guardedFetch('not a url', limits)).rejects.toThrow(UrlNotAllowedError);
  });

  it('refuses address literals that are not public, IPv4 and IPv6', async () => {
    for (const host of [
      '127.0.0.1',
      '169.254.169.254',
      '[::1]',
      '[fd00:ec2::254]',
      '[::ffff:10.0.0.1]',
      '[::7f00:1]',
    ]) {
      await expect(guardedFetch(`https://${host}/x`, limits)).rejects.toThrow(/is not public/);
    }
  });

  it('refuses a name that resolves to a private address, even when another answer is public', async () => {
    await expect(guardedFetch(`https://internal.example:${port}/`, { ...limits, resolve: toLoopback })).rejects.toThrow(
      'internal.example resolves to an address that is not public',
    );
    const mixed = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '169.254.169.254', family: 4 },
    ];
    await expect(guardedFetch('https://mixed.example/', { ...limits, resolve: mixed })).rejects.toThrow(
      'mixed.example resolves to an address that is not public',
    );
  });

  it('returns a refusal whose message does not say the address the name resolved to (no DNS oracle) when a name resolves to a private address', async () => {
    // Prepare
    const internal = async () => [{ address: '10.20.30.40', family: 4 }];
    const compatible = async () => [{ address: '::a00:1', family: 6 }];

    // Act
    const refusals = await Promise.all([
      guardedFetch('https://db.internal.example/', { ...limits, resolve: internal }).catch((error: unknown) => error),
      assertAllowedUrl('https://db.internal.example/', { resolve: internal }).catch((error: unknown) => error),
      guardedFetch('https://compat.example/', { ...limits, resolve: compatible }).catch((error: unknown) => error),
    ]);

    // Assess
    expect(refusals.map((error) => (error as Error).message)).toEqual([
      'db.internal.example resolves to an address that is not public',
      'db.internal.example resolves to an address that is not public',
      'compat.example resolves to an address that is not public',
    ]);
    expect(refusals.map((error) => (error as UrlNotAllowedError).refusedAddress)).toEqual([
      '10.20.30.40',
      '10.20.30.40',
      '::a00:1',
    ]);
  });

  it('with allowPrivateHosts (test aid), fetches a local http server for that name only', async () => {
    const local = { ...limits, allowPrivateHosts: ['images.test'], resolve: toLoopback };
    await expect(guardedFetch(`http://127.0.0.1:${port}/ok`, local)).rejects.toThrow('Only https URLs are allowed');
    await expect(guardedFetch(`https://other.test:${port}/ok`, local)).rejects.toThrow(/is not public/);
    const response = await guardedFetch(`http://images.test:${port}/ok`, local);
    expect(response).toMatchObject({ status: 200, contentType: 'text/plain' });
    expect(response.body.toString()).toBe('hello');
  });

  it('does not follow redirects, bounds the size and reports an error status', async () => {
    const local = { ...limits, allowPrivateHosts: ['images.test'], resolve: toLoopback };
    await expect(guardedFetch(`http://images.test:${port}/redirect`, local)).rejects.toThrow(
      'The URL answered a redirect (302), which is not followed',
    );
    const big = guardedFetch(`http://images.test:${port}/big`, local);
    await expect(big).rejects.toBeInstanceOf(RemoteFetchError);
    await expect(big).rejects.toMatchObject({ reason: 'too_large' });
    await expect(guardedFetch(`http://images.test:${port}/missing`, local)).rejects.toMatchObject({ reason: 'status' });
  });
});

import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { S3RequestPresigner } from '@aws-sdk/s3-request-presigner';
import type { UploadUrlSigner } from './uploads';

/*
 * Presigned GET URLs for stored objects, signed without an S3 client: signing is SigV4 arithmetic on a request, and
 * the S3 client (its serializers, checksums, XML and endpoint rules: ~140 KiB of the bundle) was only there to build
 * that request. `S3RequestPresigner` is what `getSignedUrl` signs with; this module builds the GetObject request it
 * would have built (test/unit/shared/content-signer.test.ts checks the URLs are identical).
 */

/** Presigned download URLs never live longer than this (at most 15 minutes: a leaked URL stops working soon). */
export const MAX_CONTENT_URL_SECONDS = 15 * 60;

/** Signs short-lived GET URLs for stored objects (the PUT side: UploadUrlSigner in ./uploads.ts). */
export interface ContentUrlSigner {
  signGet(bucket: string, key: string, options: { expiresInSeconds: number; contentType?: string }): Promise<string>;
}

/** Where objects are addressed: S3's regional endpoint, or an S3-compatible one (s3rver locally) by path. */
export interface S3Addressing {
  region: string;
  /** An endpoint URL (AWS_ENDPOINT_URL_S3); unset: `https://{bucket}.s3.{region}.amazonaws.com`. */
  endpoint?: string;
  /** `{endpoint}/{bucket}/{key}` instead of `{bucket}.{host}/{key}` (S3_FORCE_PATH_STYLE). */
  forcePathStyle?: boolean;
  /** @default the SDK's default credential chain (the environment in Lambda) */
  credentials?: ReturnType<typeof defaultProvider>;
}

/** The S3 implementation of both (SigV4 query signing, no network call). */
export class S3ContentUrlSigner implements ContentUrlSigner, UploadUrlSigner {
  private readonly presigner: S3RequestPresigner;

  constructor(private readonly addressing: S3Addressing) {
    this.presigner = new S3RequestPresigner({
      region: addressing.region,
      credentials: addressing.credentials ?? defaultProvider(),
      sha256: Sha256,
    });
  }

  async signGet(
    bucket: string,
    key: string,
    options: { expiresInSeconds: number; contentType?: string },
  ): Promise<string> {
    return this.sign('GET', bucket, key, Math.min(options.expiresInSeconds, MAX_CONTENT_URL_SECONDS), {
      'x-id': 'GetObject',
      // The S3 client's default for GetObject (response checksums validated when supported).
      'x-amz-checksum-mode': 'ENABLED',
      ...(options.contentType === undefined ? {} : { 'response-content-type': options.contentType }),
    });
  }

  /**
   * A presigned PutObject URL (POST /v1/uploads, and objects the functions write without the S3 client) for a body
   * of exactly `contentLength` bytes: `content-length` is a signed header (X-Amz-SignedHeaders), so S3 refuses a PUT
   * of any other length (403 SignatureDoesNotMatch). Without the checksum parameters the S3 client's getSignedUrl
   * adds by default (the CRC32 of an empty body, which S3 would hold any real upload against). With `tagging`, the
   * `x-amz-tagging` header is signed as a header (not hoisted into the query, where S3 would not apply it): the PUT
   * must send it with exactly that value.
   */
  signPut(
    bucket: string,
    key: string,
    expiresInSeconds: number,
    contentLength: number,
    options: { tagging?: string } = {},
  ): Promise<string> {
    const headers: Record<string, string> = {
      'content-length': String(contentLength),
      ...(options.tagging === undefined ? {} : { 'x-amz-tagging': options.tagging }),
    };
    return this.sign('PUT', bucket, key, expiresInSeconds, { 'x-id': 'PutObject' }, headers);
  }

  /** A presigned DeleteObject URL, for a function that deletes without the S3 client (./presigned-objects.ts). */
  signDelete(bucket: string, key: string, expiresInSeconds: number): Promise<string> {
    return this.sign('DELETE', bucket, key, expiresInSeconds, { 'x-id': 'DeleteObject' });
  }

  private async sign(
    method: 'GET' | 'PUT' | 'DELETE',
    bucket: string,
    key: string,
    expiresIn: number,
    query: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<string> {
    const { endpoint, forcePathStyle = false, region } = this.addressing;
    const base = new URL(endpoint ?? `https://s3.${region}.amazonaws.com`);
    const objectPath = `/${key.split('/').map(encodeSegment).join('/')}`;
    const hostname = forcePathStyle ? base.hostname : `${bucket}.${base.hostname}`;
    const signed = await this.presigner.presign(
      {
        method,
        protocol: base.protocol,
        hostname,
        ...(base.port === '' ? {} : { port: Number(base.port) }),
        path: forcePathStyle ? `/${bucket}${objectPath}` : objectPath,
        query,
        headers: { host: base.port === '' ? hostname : `${hostname}:${base.port}`, ...headers },
      },
      // Every header given is signed, and stays a header (a hoisted x-amz-tagging would not be applied by S3).
      { expiresIn, signableHeaders: new Set(Object.keys(headers)), unhoistableHeaders: new Set(Object.keys(headers)) },
    );
    const search = Object.entries(signed.query ?? {})
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, value]) => `${encodeSegment(name)}=${encodeSegment(String(value))}`)
      .join('&');
    return `${signed.protocol}//${signed.headers.host}${signed.path}?${search}`;
  }
}

/** RFC 3986 encoding as S3 expects it in paths and query strings (encodeURIComponent leaves !'()* alone). */
function encodeSegment(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** SHA-256 (or its HMAC with a secret) in the SDK's Checksum shape, on node:crypto. */
class Sha256 {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = Sha256.create(secret);
  }

  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBuffer(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }

  reset(): void {
    this.hash = Sha256.create(this.secret);
  }

  private static create(secret?: string | ArrayBuffer | ArrayBufferView): Hash | Hmac {
    return secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
}

function toBuffer(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

import { AppError } from '../errors';
import { PENDING_CONTENT_TAGGING } from '../video/object-keys';
import type { ContentRemover } from './content-remover';
import type { S3ContentUrlSigner } from './content-signer';
import type { ObjectStore } from './object-store';

// PutObject, GetObject and DeleteObject of small objects without the S3 client (presigned by S3ContentUrlSigner, sent
// with fetch). Why, and what the client did that this does not: docs/ARCHITECTURE.md, "What a function bundles".

/** A presigned URL is used at once, in this process; it never needs to live longer. */
const URL_SECONDS = 60;
/** The SDK's standard retry: 3 attempts, full-jitter exponential backoff from 100 ms. */
const DEFAULT_ATTEMPTS = 3;
const DEFAULT_BASE_DELAY_MS = 100;
/** What S3 answers when trying again may work (throttling, its own faults). */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

/** An S3 request that failed (after its retries, when the failure was transient). */
export class S3RequestError extends AppError {
  override name = 'S3RequestError' as const;
  /** S3's error code from the response body (`NoSuchBucket`, `AccessDenied`...), or the HTTP status. */
  readonly s3Code: string;

  constructor(operation: string, status: number, s3Code: string, cause?: unknown) {
    super(`S3 ${operation} failed: ${status} ${s3Code}`, { status: 500, code: 'internal_error', cause });
    this.s3Code = s3Code;
  }
}

/** How PresignedS3Objects sends its requests: the fetch to use and its retries. */
export interface PresignedObjectsOptions {
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** @default 3 */
  attempts?: number;
  /** @default 100 */
  baseDelayMs?: number;
}

/** ObjectStore and ContentRemover's `remove` over presigned requests (s3rver locally, S3 in AWS). */
export class PresignedS3Objects implements ObjectStore, Pick<ContentRemover, 'remove'> {
  private readonly fetch: typeof fetch;
  private readonly attempts: number;
  private readonly baseDelayMs: number;

  constructor(
    private readonly signer: Pick<S3ContentUrlSigner, 'signGet' | 'signPut' | 'signDelete'>,
    options: PresignedObjectsOptions = {},
  ) {
    this.fetch = options.fetch ?? globalThis.fetch;
    this.attempts = options.attempts ?? DEFAULT_ATTEMPTS;
    this.baseDelayMs = options.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
  }

  /** Written tagged `reelflow-state=pending`, as every stored object is (shared/video/object-keys.ts). */
  async put(bucket: string, key: string, data: Buffer, contentType: string): Promise<void> {
    const url = await this.signer.signPut(bucket, key, URL_SECONDS, data.byteLength, {
      tagging: PENDING_CONTENT_TAGGING,
    });
    const response = await this.send('PutObject', url, {
      method: 'PUT',
      body: data,
      headers: { 'content-type': contentType, 'x-amz-tagging': PENDING_CONTENT_TAGGING },
    });
    await response.body?.cancel();
  }

  async get(bucket: string, key: string, maxBytes: number): Promise<Buffer | 'too_large' | undefined> {
    const url = await this.signer.signGet(bucket, key, { expiresInSeconds: URL_SECONDS });
    const response = await this.send('GetObject', url, { method: 'GET' }, 'NoSuchKey');
    if (response.status === 404) return undefined;
    const length = response.headers.get('content-length');
    if (length !== null && Number(length) > maxBytes) {
      await response.body?.cancel();
      return 'too_large';
    }
    const data = Buffer.from(await response.arrayBuffer());
    return data.byteLength > maxBytes ? 'too_large' : data;
  }

  /** One DeleteObject per key; a key that does not exist is not an error (S3 answers 204 either way). */
  async remove(bucket: string, keys: readonly string[]): Promise<void> {
    await Promise.all(
      keys.map(async (key) => {
        const response = await this.send('DeleteObject', await this.signer.signDelete(bucket, key, URL_SECONDS), {
          method: 'DELETE',
        });
        await response.body?.cancel();
      }),
    );
  }

  /**
   * Sends the request, again after a network error or a retryable status. Returns a 2xx response, or the 404 whose
   * S3 code is `notFoundCode` (its body consumed); throws S3RequestError for any other answer.
   */
  private async send(operation: string, url: string, init: RequestInit, notFoundCode?: string): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await this.fetch(url, init);
      } catch (error) {
        if (attempt >= this.attempts) throw new S3RequestError(operation, 0, 'NetworkError', error);
        await this.backoff(attempt);
        continue;
      }
      if (response.ok) return response;
      const code = /<Code>([^<]+)<\/Code>/.exec(await response.text())?.[1] ?? String(response.status);
      if (response.status === 404 && code === notFoundCode) return response;
      if (!RETRYABLE_STATUSES.has(response.status) || attempt >= this.attempts) {
        throw new S3RequestError(operation, response.status, code);
      }
      await this.backoff(attempt);
    }
  }

  private backoff(attempt: number): Promise<void> {
    const ceiling = Math.min(20_000, this.baseDelayMs * 2 ** attempt);
    return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
  }
}

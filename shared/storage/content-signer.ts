import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

/** Presigned download URLs never live longer than this (at most 15 minutes: a leaked URL stops working soon). */
export const MAX_CONTENT_URL_SECONDS = 15 * 60;

/** Signs short-lived GET URLs for stored objects. */
export interface ContentUrlSigner {
  signGet(bucket: string, key: string, options: { expiresInSeconds: number; contentType?: string }): Promise<string>;
}

/** The S3 implementation (SigV4 query signing, no network call). */
export class S3ContentUrlSigner implements ContentUrlSigner {
  constructor(private readonly client: S3Client) {}

  async signGet(
    bucket: string,
    key: string,
    options: { expiresInSeconds: number; contentType?: string },
  ): Promise<string> {
    const expiresIn = Math.min(options.expiresInSeconds, MAX_CONTENT_URL_SECONDS);
    const command = new GetObjectCommand({ Bucket: bucket, Key: key, ResponseContentType: options.contentType });
    return getSignedUrl(this.client, command, { expiresIn });
  }
}

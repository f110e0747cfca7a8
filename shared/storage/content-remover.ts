import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** Removes stored objects. */
export interface ContentRemover {
  /** Deletes the objects; a key that does not exist is not an error (S3 DeleteObject is idempotent). */
  remove(bucket: string, keys: readonly string[]): Promise<void>;
}

/** S3 implementation: one DeleteObject per key (needs only s3:DeleteObject on them). */
export class S3ContentRemover implements ContentRemover {
  constructor(private readonly client: S3Client) {}

  async remove(bucket: string, keys: readonly string[]): Promise<void> {
    await Promise.all(keys.map((key) => this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))));
  }
}

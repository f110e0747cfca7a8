import { DeleteObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';

/** Removes stored objects. */
export interface ContentRemover {
  /** Deletes the objects; a key that does not exist is not an error (S3 DeleteObject is idempotent). */
  remove(bucket: string, keys: readonly string[]): Promise<void>;
  /** Deletes every object whose key starts with `prefix` (a user's erasure); returns how many it deleted. */
  removeUnder(bucket: string, prefix: string): Promise<number>;
}

/**
 * S3 implementation: one DeleteObject per key (needs only s3:DeleteObject on them; `removeUnder` also lists, which
 * needs s3:ListBucket for the prefix).
 */
export class S3ContentRemover implements ContentRemover {
  constructor(private readonly client: S3Client) {}

  async remove(bucket: string, keys: readonly string[]): Promise<void> {
    await Promise.all(keys.map((key) => this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))));
  }

  async removeUnder(bucket: string, prefix: string): Promise<number> {
    let removed = 0;
    // A page is at most 1,000 keys: deleted before the next is listed, so memory stays flat.
    for await (const page of paginateListObjectsV2({ client: this.client }, { Bucket: bucket, Prefix: prefix })) {
      const keys = (page.Contents ?? []).flatMap((object) => (object.Key === undefined ? [] : [object.Key]));
      await this.remove(bucket, keys);
      removed += keys.length;
    }
    return removed;
  }
}

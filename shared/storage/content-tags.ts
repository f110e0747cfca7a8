import { PutObjectTaggingCommand, type S3Client } from '@aws-sdk/client-s3';
import { CONTENT_STATE_TAG, CONTENT_STATES, type ContentState } from '../video/object-keys';

/** Sets whether stored objects belong to a completed video (the bucket's lifecycle expires pending ones). */
export interface ContentTagger {
  /** Replaces the objects' tags with `reelflow-state={state}`; a key that does not exist is skipped. */
  mark(bucket: string, keys: readonly string[], state: ContentState): Promise<void>;
}

/** S3 implementation: one PutObjectTagging per key (needs only s3:PutObjectTagging on them). */
export class S3ContentTagger implements ContentTagger {
  constructor(private readonly client: S3Client) {}

  async mark(bucket: string, keys: readonly string[], state: ContentState): Promise<void> {
    await Promise.all(
      keys.map(async (key) => {
        try {
          await this.client.send(
            new PutObjectTaggingCommand({
              Bucket: bucket,
              Key: key,
              Tagging: { TagSet: [{ Key: CONTENT_STATE_TAG, Value: CONTENT_STATES[state] }] },
            }),
          );
        } catch (error) {
          if (error instanceof Error && error.name === 'NoSuchKey') return;
          throw error;
        }
      }),
    );
  }
}

import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** Small objects read and written whole (reference images): never a stream, at most `maxBytes` in memory. */
export interface ObjectStore {
  put(bucket: string, key: string, data: Buffer, contentType: string): Promise<void>;
  /** The object's bytes; undefined when it does not exist; `too_large` (not read) when over `maxBytes`. */
  get(bucket: string, key: string, maxBytes: number): Promise<Buffer | 'too_large' | undefined>;
}

/** The S3 implementation (PutObject, GetObject). */
export class S3ObjectStore implements ObjectStore {
  constructor(private readonly client: S3Client) {}

  async put(bucket: string, key: string, data: Buffer, contentType: string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: data, ContentType: contentType }));
  }

  async get(bucket: string, key: string, maxBytes: number): Promise<Buffer | 'too_large' | undefined> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (object.ContentLength !== undefined && object.ContentLength > maxBytes) {
        object.Body?.transformToWebStream().cancel();
        return 'too_large';
      }
      const data = Buffer.from((await object.Body?.transformToByteArray()) ?? []);
      return data.byteLength > maxBytes ? 'too_large' : data;
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }
}

import { DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { S3ContentRemover } from '../../../shared/storage/content-remover';

const client = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const s3Mock = mockClient(client);

afterEach(() => {
  s3Mock.reset();
});

describe('content-remover', () => {
  it('deletes every key with one DeleteObject each', async () => {
    // Prepare
    s3Mock.on(DeleteObjectCommand).resolves({});

    // Act
    await new S3ContentRemover(client).remove('bucket', ['videos/a/v/video.mp4', 'videos/a/v/thumbnail.webp']);

    // Assess
    expect(s3Mock.commandCalls(DeleteObjectCommand).map((call) => call.args[0].input)).toEqual([
      { Bucket: 'bucket', Key: 'videos/a/v/video.mp4' },
      { Bucket: 'bucket', Key: 'videos/a/v/thumbnail.webp' },
    ]);
  });

  it('throws when a deletion fails', async () => {
    // Prepare
    s3Mock.on(DeleteObjectCommand).rejects(new Error('AccessDenied'));

    // Act / Assess
    await expect(new S3ContentRemover(client).remove('bucket', ['k'])).rejects.toThrow('AccessDenied');
  });
});

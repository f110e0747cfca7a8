import { describe, expect, it } from 'vitest';
import { listVideos } from '../../../functions/list-videos/list-videos';
import { parseListVideosRequest } from '../../../functions/list-videos/schema';
import type { ContentUrlSigner } from '../../../shared/storage/content-signer';
import { alice, aVideo, InMemoryVideoRepository } from '../fakes/fakes';

const _content = {
  contentType: 'video/mp4' as const,
  bytes: 10,
  sha256: 'ab'.repeat(32),
  variants: ['video' as const, 'thumbnail' as const],
  bucket: 'b',
  key: 'videos/alice/vid_done/video.mp4',
};

function _fakeSigner() {
  const signed: Array<{ bucket: string; key: string; expiresInSeconds: number }> = [];
  const signer: ContentUrlSigner = {
    signGet: async (bucket, key, options) => {
      signed.push({ bucket, key, expiresInSeconds: options.expiresInSeconds });
      return `https://s3.example/${bucket}/${key}?X-Amz-Expires=${options.expiresInSeconds}`;
    },
  };
  return { signer, signed };
}

describe('list-videos', () => {
  it('returns the list shape with the caller’s videos only', async () => {
    // Prepare
    const videos = new InMemoryVideoRepository([
      aVideo({ videoId: 'vid_1' }),
      aVideo({ videoId: 'vid_2' }),
      aVideo({ videoId: 'vid_3', userId: 'bob' }),
    ]);

    // Act
    const page = await listVideos(parseListVideosRequest({ queryStringParameters: { limit: '1' } }, alice), { videos });

    // Assess
    expect(page).toMatchObject({ object: 'list', has_more: true, next_cursor: 'vid_2' });
    expect(page.data.map((video) => video.id)).toEqual(['vid_2']);
  });
});

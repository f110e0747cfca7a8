import { describe, expect, it } from 'vitest';
import { getVideoContent } from '../../../functions/get-video-content/get-video-content';
import { parseGetVideoContentRequest } from '../../../functions/get-video-content/schema';
import type { ContentUrlSigner } from '../../../shared/storage/content-signer';
import { alice, aVideo, bob, InMemoryVideoRepository } from '../fakes/fakes';

const content = {
  contentType: 'video/mp4' as const,
  bytes: 10,
  sha256: 'ab'.repeat(32),
  variants: ['video' as const, 'thumbnail' as const],
  bucket: 'b',
  key: 'videos/alice/vid_done/video.mp4',
};

function fakeSigner() {
  const signed: Array<{ bucket: string; key: string; expiresInSeconds: number }> = [];
  const signer: ContentUrlSigner = {
    signGet: async (bucket, key, options) => {
      signed.push({ bucket, key, expiresInSeconds: options.expiresInSeconds });
      return `https://s3.example/${bucket}/${key}?X-Amz-Expires=${options.expiresInSeconds}`;
    },
  };
  return { signer, signed };
}

describe('get-video-content', () => {
  it('returns a presigned URL of at most 15 minutes for a completed video’s variant', async () => {
    // Prepare
    const videos = new InMemoryVideoRepository([aVideo({ videoId: 'vid_done', status: 'completed', content })]);
    const { signer, signed } = fakeSigner();
    const input = parseGetVideoContentRequest(
      { pathParameters: { id: 'vid_done' }, queryStringParameters: { variant: 'thumbnail' } },
      alice,
    );

    // Act
    const url = await getVideoContent(input, { videos, signer, bucket: 'reelflow-videos', urlTtlSeconds: 600 });

    // Assess
    expect(url).toContain('videos/alice/vid_done/thumbnail.webp');
    expect(signed).toEqual([
      { bucket: 'reelflow-videos', key: 'videos/alice/vid_done/thumbnail.webp', expiresInSeconds: 600 },
    ]);
  });

  it('throws 409 video_not_ready before completion', async () => {
    // Prepare
    const videos = new InMemoryVideoRepository([aVideo({ videoId: 'vid_q', status: 'in_progress' })]);
    const { signer, signed } = fakeSigner();

    // Act
    const error = await getVideoContent(
      { caller: alice, videoId: 'vid_q', variant: 'video' },
      { videos, signer, bucket: 'b', urlTtlSeconds: 600 },
    ).catch((caught: unknown) => caught);

    // Assess
    expect(error).toMatchObject({ status: 409, code: 'video_not_ready' });
    expect(signed).toHaveLength(0);
  });

  it('throws 404 and signs nothing when the video is someone else’s', async () => {
    // Prepare
    const videos = new InMemoryVideoRepository([aVideo({ videoId: 'vid_done', status: 'completed', content })]);
    const { signer, signed } = fakeSigner();

    // Act
    const error = await getVideoContent(
      { caller: bob, videoId: 'vid_done', variant: 'video' },
      { videos, signer, bucket: 'b', urlTtlSeconds: 600 },
    ).catch((caught: unknown) => caught);

    // Assess
    expect(error).toMatchObject({ status: 404 });
    expect(signed).toHaveLength(0);
  });
});

import { describe, expect, it } from 'vitest';
import { listVideos } from '../../../functions/list-videos/list-videos';
import { parseListVideosRequest } from '../../../functions/list-videos/schema';
import { alice, aVideo, InMemoryVideoRepository } from '../fakes/fakes';

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

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

describe('list-videos (OpenAI paging: first_id, last_id, after = a video id)', () => {
  // Real video ids (vid_ + ULID), oldest first: `after` treats a video id and an opaque cursor differently.
  const ids = ['01', '02', '03', '04'].map((n) => `vid_01K${'0'.repeat(21)}${n}`);
  const [oldest, older, newer, newest] = ids as [string, string, string, string];
  const list = async (videos: InMemoryVideoRepository, query: Record<string, string>, caller = alice) =>
    listVideos(parseListVideosRequest({ queryStringParameters: query }, caller), { videos });

  it('returns every video once when each page is asked for after the previous page’s last_id', async () => {
    // Prepare
    const videos = new InMemoryVideoRepository(ids.map((videoId) => aVideo({ videoId })));
    const seen: string[] = [];

    // Act
    let page = await list(videos, { limit: '3' });
    const first = page;
    seen.push(...page.data.map((video) => video.id));
    page = await list(videos, { limit: '3', after: page.last_id! });
    seen.push(...page.data.map((video) => video.id));

    // Assess
    expect(first).toMatchObject({ first_id: newest, last_id: older, has_more: true });
    expect(page).toMatchObject({ first_id: oldest, last_id: oldest, has_more: false, next_cursor: null });
    expect(seen).toEqual([newest, newer, older, oldest]);
  });

  it('returns first_id and last_id null for an empty page', async () => {
    // Act
    const page = await list(new InMemoryVideoRepository(), {});

    // Assess
    expect(page).toEqual({
      object: 'list',
      data: [],
      first_id: null,
      last_id: null,
      has_more: false,
      next_cursor: null,
    });
  });

  it('returns the rest of the list after the caller’s own video deleted since it was seen', async () => {
    // Prepare
    const videos = new InMemoryVideoRepository([
      aVideo({ videoId: newer, deletedAt: 1_763_700_100 }),
      aVideo({ videoId: older }),
      aVideo({ videoId: oldest }),
    ]);

    // Act
    const page = await list(videos, { after: newer });

    // Assess
    expect(page.data.map((video) => video.id)).toEqual([older, oldest]);
  });

  it.each([
    ['another user’s video', newest],
    ['a video id that does not exist', newer],
  ])('throws 400 on after, naming no data, when after is %s', async (_label, after) => {
    // Prepare
    const videos = new InMemoryVideoRepository([
      aVideo({ videoId: newest, userId: 'bob' }),
      aVideo({ videoId: older }),
    ]);

    // Act
    const listing = list(videos, { after });

    // Assess
    await expect(listing).rejects.toMatchObject({
      status: 400,
      code: 'invalid_parameter',
      param: 'after',
      message: 'after must be the last_id or next_cursor of a previous page of your videos',
    });
  });

  it('throws 400 on order when an OpenAI client asks for oldest first, and accepts desc', async () => {
    // Prepare
    const videos = new InMemoryVideoRepository([aVideo({ videoId: older })]);

    // Act
    const ascending = list(videos, { order: 'asc' });
    const descending = await list(videos, { order: 'desc' });

    // Assess
    await expect(ascending).rejects.toMatchObject({ status: 400, param: 'order' });
    expect(descending.data.map((video) => video.id)).toEqual([older]);
  });
});

import { describe, expect, it } from 'vitest';
import { getVideo } from '../../../functions/get-video/get-video';
import { parseGetVideoRequest } from '../../../functions/get-video/schema';
import { alice, aVideo, bob, InMemoryVideoRepository } from '../fakes/fakes';

describe('get-video', () => {
  it('returns the video when it is the caller’s', async () => {
    // Prepare
    const videos = new InMemoryVideoRepository([aVideo({ videoId: 'vid_a' })]);

    // Act
    const video = await getVideo(parseGetVideoRequest({ pathParameters: { id: 'vid_a' } }, alice), { videos });

    // Assess
    expect(video).toMatchObject({ id: 'vid_a', object: 'video' });
  });

  it('throws the same 404 for someone else’s video as for a missing one', async () => {
    // Prepare
    const videos = new InMemoryVideoRepository([aVideo({ videoId: 'vid_a' })]);

    // Act
    const foreign = await getVideo({ caller: bob, videoId: 'vid_a' }, { videos }).catch((error: unknown) => error);
    const missing = await getVideo({ caller: bob, videoId: 'vid_b' }, { videos }).catch((error: unknown) => error);

    // Assess
    expect(foreign).toMatchObject({ status: 404, code: 'not_found' });
    expect(missing).toMatchObject({ status: 404, code: 'not_found' });
  });
});

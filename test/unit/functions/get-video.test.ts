import { describe, expect, it } from 'vitest';
import { getVideo } from '../../../functions/get-video/get-video';
import { parseGetVideoRequest } from '../../../functions/get-video/schema';
import {
  alice,
  aVideo,
  bob,
  FakeProvider,
  FakeProviderGate,
  fakeLogger,
  fixedClock,
  InMemoryVideoRepository,
} from '../fakes/fakes';

/** The progress read of a video that does not wait for a webhook: the provider and the store are never asked. */
const progress = {
  store: {
    markWaiting: async () => {},
    claimRead: async () => Promise.reject(new Error('not waiting: no claim')),
    mirror: async () => Promise.reject(new Error('not waiting: no mirror')),
  },
  provider: new FakeProvider(),
  gate: new FakeProviderGate(),
  clock: fixedClock(),
  logger: fakeLogger(),
  cacheSeconds: 5,
};

describe('get-video', () => {
  it('returns the video when it is the caller’s', async () => {
    // Prepare
    const videos = new InMemoryVideoRepository([aVideo({ videoId: 'vid_a' })]);

    // Act
    const video = await getVideo(parseGetVideoRequest({ pathParameters: { id: 'vid_a' } }, alice), {
      videos,
      progress,
    });

    // Assess
    expect(video).toMatchObject({ id: 'vid_a', object: 'video' });
  });

  it('throws the same 404 for someone else’s video as for a missing one', async () => {
    // Prepare
    const videos = new InMemoryVideoRepository([aVideo({ videoId: 'vid_a' })]);

    // Act
    const foreign = await getVideo({ caller: bob, videoId: 'vid_a' }, { videos, progress }).catch(
      (error: unknown) => error,
    );
    const missing = await getVideo({ caller: bob, videoId: 'vid_b' }, { videos, progress }).catch(
      (error: unknown) => error,
    );

    // Assess
    expect(foreign).toMatchObject({ status: 404, code: 'not_found' });
    expect(missing).toMatchObject({ status: 404, code: 'not_found' });
  });
});

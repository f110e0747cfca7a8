import { describe, expect, it } from 'vitest';
import { editVideo } from '../../../functions/edit-video/edit-video';
import { parseEditVideoRequest } from '../../../functions/edit-video/schema';
import { extendVideo } from '../../../functions/extend-video/extend-video';
import { parseExtendVideoRequest } from '../../../functions/extend-video/schema';
import { videoCharacters } from '../../../functions/video-characters/video-characters';
import { ConflictError, NotFoundError, ValidationError } from '../../../shared/errors';
import { UploadedFile } from '../../../shared/http/uploaded-file';
import { DEFAULT_PRICE_TABLE, estimateMicros } from '../../../shared/pricing';
import { alice, bob } from '../fakes/fakes';
import { derivedVideoSetup, NEW_ID, SOURCE_ID } from './derived-video-setup';

const setup = derivedVideoSetup;

const editRequest = (body: unknown, caller = alice, headers: Record<string, string> = {}) =>
  parseEditVideoRequest({ body, headers }, caller);
const extendRequest = (body: unknown, caller = alice) => parseExtendVideoRequest({ body, headers: {} }, caller);

describe('edit-video', () => {
  it('returns a queued edit of the source with its model, size and seconds, reserved and started', async () => {
    // Prepare
    const { videos, money, started, deps } = setup();

    // Act
    const video = await editVideo(editRequest({ video: { id: SOURCE_ID }, prompt: ' Make it snow ' }), deps);

    // Assess
    expect(video).toMatchObject({
      id: NEW_ID,
      status: 'queued',
      prompt: 'Make it snow',
      model: 'sora-2-pro',
      size: '1792x1024',
      seconds: '8',
      remixed_from_video_id: null,
      derived_from: { kind: 'edit', video_id: SOURCE_ID },
      cost: { estimated_micros: estimateMicros('sora-2-pro', '1792x1024', '8', DEFAULT_PRICE_TABLE) },
    });
    expect((await videos.get(NEW_ID))?.derivedFrom).toEqual({
      kind: 'edit',
      videoId: SOURCE_ID,
      providerVideoId: 'video_source',
      sourceSeconds: 8,
    });
    expect(money.reserved.get(NEW_ID)).toBe(video.cost.estimated_micros);
    expect(started).toEqual([{ videoId: NEW_ID, userId: 'alice' }]);
  });

  it('returns an edit priced at the stitched length when the source is an extension', async () => {
    // Prepare: an 8-second video extended by 8 seconds lasts 16, all of which the provider regenerates and bills.
    const { videos, money, deps } = setup({ sourceSeconds: '8', sourceExtends: 8 });

    // Act
    const video = await editVideo(editRequest({ video: { id: SOURCE_ID }, prompt: 'Make it snow' }), deps);

    // Assess
    const stitchedPrice = estimateMicros('sora-2-pro', '1792x1024', '16', DEFAULT_PRICE_TABLE);
    expect(video).toMatchObject({ seconds: '16', cost: { estimated_micros: stitchedPrice } });
    expect(money.reserved.get(NEW_ID)).toBe(stitchedPrice);
    expect(await videos.get(NEW_ID)).toMatchObject({ seconds: '16', derivedFrom: { sourceSeconds: 16 } });
  });

  it('answers 400 on video for an uploaded video file (only ids are supported), and reserves nothing', async () => {
    // Prepare
    const { money } = setup();
    const file = new UploadedFile('clip.mp4', 'video/mp4', Buffer.from('not a video'), 'sha');

    // Act
    const parse = () => editRequest({ video: file, prompt: 'Make it snow' });

    // Assess
    expect(parse).toThrow(ValidationError);
    expect(parse).toThrow(/only a video id is supported/);
    expect(money.reserved.size).toBe(0);
  });

  it('answers 400 on video without an id, and on unknown fields', () => {
    expect(() => editRequest({ video: {}, prompt: 'x' })).toThrow(ValidationError);
    expect(() => editRequest({ video: { id: SOURCE_ID }, prompt: 'x', seconds: '4' })).toThrow(ValidationError);
  });

  it('answers 404 for another user’s source and 409 video_not_ready for an unfinished one, reserving nothing', async () => {
    // Prepare
    const mine = setup();
    const unfinished = setup({ sourceStatus: 'in_progress' });

    // Act
    const stranger = editVideo(editRequest({ video: { id: SOURCE_ID }, prompt: 'x' }, bob), mine.deps);
    const early = editVideo(editRequest({ video: { id: SOURCE_ID }, prompt: 'x' }), unfinished.deps);

    // Assess
    await expect(stranger).rejects.toBeInstanceOf(NotFoundError);
    await expect(early).rejects.toBeInstanceOf(ConflictError);
    expect(mine.money.reserved.size + unfinished.money.reserved.size).toBe(0);
  });

  it('keys its Idempotency-Key record by route, so the same key and prompt cannot replay a remix', async () => {
    // Prepare
    const { idempotencyCalls, deps } = setup();

    // Act
    await editVideo(editRequest({ video: { id: SOURCE_ID }, prompt: 'x' }, alice, { 'idempotency-key': 'k1' }), deps);

    // Assess
    expect(idempotencyCalls).toEqual([expect.objectContaining({ operation: 'edit-video', key: 'k1' })]);
  });
});

describe('extend-video', () => {
  it('prices and reserves the extension’s seconds, and shows the stitched length', async () => {
    // Prepare
    const { videos, money, deps } = setup({ sourceSeconds: '8' });

    // Act
    const video = await extendVideo(
      extendRequest({ video: { id: SOURCE_ID }, prompt: 'And then it rains', seconds: '4' }),
      deps,
    );

    // Assess
    const segmentPrice = estimateMicros('sora-2-pro', '1792x1024', '4', DEFAULT_PRICE_TABLE);
    expect(video).toMatchObject({
      seconds: '12',
      derived_from: { kind: 'extension', video_id: SOURCE_ID },
      cost: { estimated_micros: segmentPrice },
    });
    expect(money.reserved.get(NEW_ID)).toBe(segmentPrice);
    expect(await videos.get(NEW_ID)).toMatchObject({ seconds: '4', derivedFrom: { sourceSeconds: 8 } });
  });

  it('answers 400 on seconds when the extended video would pass 20 seconds, and reserves nothing', async () => {
    // Prepare
    const { money, started, deps } = setup({ sourceSeconds: '12' });

    // Act
    const extended = extendVideo(extendRequest({ video: { id: SOURCE_ID }, prompt: 'x', seconds: '12' }), deps);

    // Assess
    await expect(extended).rejects.toMatchObject({ name: 'ValidationError', param: 'seconds' });
    expect(money.reserved.size).toBe(0);
    expect(started).toEqual([]);
  });

  it('answers 400 on seconds when an extension of an extension would pass 20 seconds, counting the stitched source', async () => {
    // Prepare: the source is an 8-second segment on an 8-second video: it lasts 16 seconds.
    const { money, started, deps } = setup({ sourceSeconds: '8', sourceExtends: 8 });

    // Act
    const extended = extendVideo(extendRequest({ video: { id: SOURCE_ID }, prompt: 'x', seconds: '8' }), deps);

    // Assess
    await expect(extended).rejects.toMatchObject({ name: 'ValidationError', param: 'seconds' });
    expect(money.reserved.size).toBe(0);
    expect(started).toEqual([]);
  });

  it('returns an extension of an extension lasting the stitched source plus its segment, priced at the segment', async () => {
    // Prepare
    const { videos, money, deps } = setup({ sourceSeconds: '4', sourceExtends: 8 });

    // Act
    const video = await extendVideo(extendRequest({ video: { id: SOURCE_ID }, prompt: 'x', seconds: '8' }), deps);

    // Assess
    const segmentPrice = estimateMicros('sora-2-pro', '1792x1024', '8', DEFAULT_PRICE_TABLE);
    expect(video).toMatchObject({ seconds: '20', cost: { estimated_micros: segmentPrice } });
    expect(money.reserved.get(NEW_ID)).toBe(segmentPrice);
    expect(await videos.get(NEW_ID)).toMatchObject({ seconds: '8', derivedFrom: { sourceSeconds: 12 } });
  });

  it("answers 400 on seconds outside the source model's 4, 8 and 12 (reserving nothing), and when they are missing", async () => {
    // Prepare
    const { money, started, deps } = setup();

    // Act
    const outside = extendVideo(extendRequest({ video: { id: SOURCE_ID }, prompt: 'x', seconds: '5' }), deps);

    // Assess
    await expect(outside).rejects.toThrow(ValidationError);
    await expect(outside).rejects.toMatchObject({ param: 'seconds', message: 'seconds must be one of 4, 8, 12' });
    expect(money.reserved.size).toBe(0);
    expect(started).toEqual([]);
    expect(() => extendRequest({ video: { id: SOURCE_ID }, prompt: 'x' })).toThrow(ValidationError);
  });
});

describe('video-characters', () => {
  it('answers 404 not_found saying characters are not supported', () => {
    expect(() => videoCharacters()).toThrow(NotFoundError);
    expect(() => videoCharacters()).toThrow(/Characters are not supported/);
  });
});

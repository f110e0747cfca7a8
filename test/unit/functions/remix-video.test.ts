import { describe, expect, it } from 'vitest';
import { remixVideo } from '../../../functions/remix-video/remix-video';
import { parseRemixVideoRequest } from '../../../functions/remix-video/schema';
import { BudgetExceededError, ConflictError, NotFoundError, ValidationError } from '../../../shared/errors';
import { DEFAULT_PRICE_TABLE, estimateMicros } from '../../../shared/pricing';
import { alice, bob, catalogueWith } from '../fakes/fakes';
import { derivedVideoSetup, NEW_ID, SOURCE_ID } from './derived-video-setup';

const setup = derivedVideoSetup;

const parse = (prompt: unknown, caller = alice, headers: Record<string, string> = {}) =>
  parseRemixVideoRequest({ body: { prompt }, pathParameters: { id: SOURCE_ID }, headers }, caller);

describe('remix-video', () => {
  it('returns a queued video remixing the source, with its model, size and seconds, reserved and started', async () => {
    // Prepare
    const { videos, money, started, deps } = setup();

    // Act
    const video = await remixVideo(parse('  The same scene at dusk  '), deps);

    // Assess
    expect(video).toMatchObject({
      id: NEW_ID,
      status: 'queued',
      prompt: 'The same scene at dusk',
      model: 'sora-2-pro',
      size: '1792x1024',
      seconds: '8',
      remixed_from_video_id: SOURCE_ID,
      metadata: {},
      cost: { estimated_micros: estimateMicros('sora-2-pro', '1792x1024', '8', DEFAULT_PRICE_TABLE) },
    });
    expect(await videos.get(NEW_ID)).toMatchObject({ remixSourceProviderVideoId: 'video_source', userId: 'alice' });
    expect(money.reserved.get(NEW_ID)).toBe(video.cost.estimated_micros);
    expect(started).toEqual([{ videoId: NEW_ID, userId: 'alice' }]);
  });

  it('returns a remix priced at the stitched length when the source is an extension', async () => {
    // Prepare: a 4-second segment on an 8-second video lasts 12 seconds, which the provider's remix regenerates.
    const { videos, money, deps } = setup({ sourceSeconds: '4', sourceExtends: 8 });

    // Act
    const video = await remixVideo(parse('At dusk'), deps);

    // Assess
    const stitchedPrice = estimateMicros('sora-2-pro', '1792x1024', '12', DEFAULT_PRICE_TABLE);
    expect(video).toMatchObject({ seconds: '12', cost: { estimated_micros: stitchedPrice } });
    expect(money.reserved.get(NEW_ID)).toBe(stitchedPrice);
    expect(await videos.get(NEW_ID)).toMatchObject({ seconds: '12' });
  });

  it('throws 404 when the source is someone else’s, and reserves nothing', async () => {
    // Prepare
    const { money, started, deps } = setup();

    // Act
    const remix = remixVideo(parse('Mine now', bob), deps);

    // Assess
    await expect(remix).rejects.toBeInstanceOf(NotFoundError);
    expect(money.reserved.size).toBe(0);
    expect(started).toEqual([]);
  });

  it('throws 409 video_not_ready when the source is not completed', async () => {
    // Prepare
    const { started, deps } = setup({ sourceStatus: 'in_progress' });

    // Act
    const remix = remixVideo(parse('Too early'), deps);

    // Assess
    await expect(remix).rejects.toBeInstanceOf(ConflictError);
    await expect(remix).rejects.toMatchObject({ status: 409, code: 'video_not_ready' });
    expect(started).toEqual([]);
  });

  it('propagates 402 from the reservation and starts nothing', async () => {
    // Prepare
    const { money, started, deps } = setup();
    money.reserveError = new BudgetExceededError();

    // Act
    const remix = remixVideo(parse('Over budget'), deps);

    // Assess
    await expect(remix).rejects.toBeInstanceOf(BudgetExceededError);
    expect(started).toEqual([]);
  });

  it('fails the new video and releases its reservation when the pipeline cannot start', async () => {
    // Prepare
    const { videos, money, deps } = setup({ startError: new Error('states unavailable') });

    // Act
    const remix = remixVideo(parse('Never started'), deps);

    // Assess
    await expect(remix).rejects.toThrow('states unavailable');
    expect(await videos.get(NEW_ID)).toMatchObject({ status: 'failed', chargedMicros: 0 });
    expect(money.released.has(NEW_ID)).toBe(true);
  });

  it('runs through the idempotency guard keyed on user, key, route, source and body', async () => {
    // Prepare
    const { idempotencyCalls, deps } = setup();

    // Act
    await remixVideo(parse('Keyed', alice, { 'idempotency-key': 'k-1' }), deps);
    await remixVideo(parse('Unkeyed'), deps).catch(() => undefined);

    // Assess
    expect(idempotencyCalls).toEqual([
      {
        userId: 'alice',
        key: 'k-1',
        operation: 'remix-video',
        request: { sourceVideoId: SOURCE_ID, body: { prompt: 'Keyed' } },
      },
      undefined,
    ]);
  });

  it('returns the first remix, reserved once, and starts it again when the keyed request is retried', async () => {
    // Prepare: the idempotency layer above runs every call (as if the first invocation crashed before its record).
    const { videos, money, started, deps } = setup({ newIds: [NEW_ID, 'vid_01JD0000000000000000000003'] });
    const keyed = parse('At dusk', alice, { 'idempotency-key': 'remix-crash' });
    await remixVideo(keyed, deps);

    // Act
    const again = await remixVideo(keyed, deps);

    // Assess
    expect(again.id).toBe(NEW_ID);
    expect(videos.videos.size).toBe(2);
    expect([...money.reserved.keys()]).toEqual([NEW_ID]);
    expect(started).toEqual([
      { videoId: NEW_ID, userId: 'alice' },
      { videoId: NEW_ID, userId: 'alice' },
    ]);
  });

  it('throws 409 idempotency_key_reused when a retried key comes with another prompt', async () => {
    // Prepare
    const { money, started, deps } = setup({ newIds: [NEW_ID, 'vid_01JD0000000000000000000003'] });
    await remixVideo(parse('At dusk', alice, { 'idempotency-key': 'remix-reuse' }), deps);

    // Act
    const other = remixVideo(parse('At dawn', alice, { 'idempotency-key': 'remix-reuse' }), deps);

    // Assess
    await expect(other).rejects.toMatchObject({ status: 409, code: 'idempotency_key_reused' });
    expect(money.reserved.size).toBe(1);
    expect(started).toHaveLength(1);
  });

  it("throws a 400 on model and reserves nothing when the source's model is no longer in the catalogue", async () => {
    // Prepare
    const { deps, money, started } = setup();
    const withoutPro = catalogueWith({ 'sora-2-pro': null });

    // Act / Assess
    await expect(remixVideo(parse('A remix'), { ...deps, catalogue: withoutPro })).rejects.toMatchObject({
      status: 400,
      code: 'invalid_parameter',
      param: 'model',
    });
    expect(money.reserved.size).toBe(0);
    expect(started).toEqual([]);
  });

  it("throws a 400 on size, not a 500, when the catalogue no longer offers the source's size", async () => {
    // Prepare
    const { deps, started } = setup();
    const proAt720Only = catalogueWith({
      'sora-2-pro': { sizes: ['720x1280'], price: { currency: 'USD', micros_per_second: { '720x1280': 1 } } },
    });

    // Act / Assess
    await expect(remixVideo(parse('A remix'), { ...deps, catalogue: proAt720Only })).rejects.toMatchObject({
      status: 400,
      param: 'size',
    });
    expect(started).toEqual([]);
  });

  it('throws 400 for an unknown field, a missing prompt or a bad Idempotency-Key', () => {
    // Act / Assess
    expect(() =>
      parseRemixVideoRequest({ body: { prompt: 'x', model: 'sora-2' }, pathParameters: { id: SOURCE_ID } }, alice),
    ).toThrow(expect.objectContaining({ code: 'invalid_parameter', param: 'model' }));
    expect(() => parseRemixVideoRequest({ body: {}, pathParameters: { id: SOURCE_ID } }, alice)).toThrow(
      expect.objectContaining({ code: 'missing_parameter', param: 'prompt' }),
    );
    expect(() => parse('x', alice, { 'idempotency-key': '' })).toThrow(ValidationError);
  });
});

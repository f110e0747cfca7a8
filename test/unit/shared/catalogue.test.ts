import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../infra/config';
import { newVideoRecord } from '../../../shared/admission/admit-video';
import { derivableModel, derivedRouteOf, priceOf, routeOf } from '../../../shared/catalogue/catalogue';
import { DEFAULT_CATALOGUE } from '../../../shared/catalogue/default-catalogue';
import { catalogueEnvSchema } from '../../../shared/catalogue/env';
import { toModelList, toModelResource } from '../../../shared/catalogue/resource';
import { type Catalogue, parseCatalogue, parseCatalogueJson } from '../../../shared/catalogue/schema';
import { parseEnv } from '../../../shared/config';
import { estimateMicros } from '../../../shared/pricing';
import { fromItem, toItem } from '../../../shared/video/item';
import { toVideoResource } from '../../../shared/video/video';
import { aVideo, catalogueWith } from '../fakes/fakes';

/** A model for a catalogue override: sora-2's fields under another id, with changes. */
function aModel(id: string, changes: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...structuredClone(DEFAULT_CATALOGUE.models[0]!), id, ...changes };
}

function catalogueOf(...models: Array<Record<string, unknown>>): unknown {
  return { price_version: 'v-test', models };
}

const invalid = (value: unknown) => () => parseCatalogue(value, 'Context "reelflow:catalogue"');

describe('catalogue', () => {
  it('returns the default catalogue as valid, its prices the old price table’s (same version)', () => {
    // Act
    const parsed = parseCatalogue(structuredClone(DEFAULT_CATALOGUE), 'the default');

    // Assess
    expect(parsed).toEqual(DEFAULT_CATALOGUE);
    expect(DEFAULT_CATALOGUE.price_version).toBe('2025-10-sora-2');
    expect(DEFAULT_CATALOGUE.models.map((model) => model.id)).toEqual(['sora-2', 'sora-2-pro']);
  });

  it.each([
    ['sora-2', '720x1280', '4', 400_000],
    ['sora-2', '1280x720', '12', 1_200_000],
    ['sora-2-pro', '1280x720', '8', 2_400_000],
    ['sora-2-pro', '1024x1792', '12', 6_000_000],
    // A remix of an extended video is priced for its stitched length, which no create may ask for.
    ['sora-2-pro', '1792x1024', '20', 10_000_000],
  ] as const)(
    'returns the default price of %s at %s for %s seconds, in exact micro-USD',
    (model, size, seconds, micros) => {
      // Act
      const price = priceOf(DEFAULT_CATALOGUE, model, size, seconds);

      // Assess
      expect(price).toEqual({
        estimatedMicros: micros,
        unitPriceMicros: micros / Number(seconds),
        priceVersion: '2025-10-sora-2',
      });
      expect(estimateMicros(model, size, seconds)).toBe(micros);
    },
  );

  it('throws when the catalogue has no price for the model and size', () => {
    // Act / Assess
    expect(() => priceOf(DEFAULT_CATALOGUE, 'sora-9', '720x1280', '4')).toThrow(/No price/);
    expect(() => estimateMicros('sora-2', '1792x1024', '4')).toThrow(/No price for model sora-2 at size 1792x1024/);
  });

  it('returns a catalogue override with a model of its own, priced and routed as it says', () => {
    // Prepare
    const json = JSON.stringify(
      catalogueOf(
        aModel('kite-fast', {
          seconds: ['4', '8'],
          sizes: ['1280x720'],
          default_seconds: '8',
          default_size: '1280x720',
          capabilities: { image_input: false, remix: false, edit: false, extend: true },
          price: { currency: 'USD', micros_per_second: { '1280x720': 250_000 } },
          route: [
            {
              provider: 'openai',
              model: 'sora-2',
              cost: { currency: 'USD', micros_per_second: { '1280x720': 90_000 } },
            },
          ],
        }),
      ),
    );

    // Act
    const catalogue = parseCatalogueJson(json, 'REELFLOW_CATALOGUE');

    // Assess
    expect(priceOf(catalogue, 'kite-fast', '1280x720', '8')).toEqual({
      estimatedMicros: 2_000_000,
      unitPriceMicros: 250_000,
      priceVersion: 'v-test',
    });
    expect(routeOf(catalogue, 'kite-fast', '1280x720')).toEqual({
      provider: 'openai',
      providerModel: 'sora-2',
      providerUnitCostMicros: 90_000,
    });
  });

  it.each([
    ['not an object', 'x', /the catalogue must be a JSON object/],
    ['no models', { price_version: 'v', models: [] }, /models: models must name at least one model/],
    ['no price version', { models: [aModel('a')] }, /price_version: is required/],
    ['an unknown field', catalogueOf(aModel('a', { colour: 'red' })), /models\[0\] \(a\): unknown field colour/],
    ['an id with a slash', catalogueOf(aModel('google/veo')), /models\[0\]\.id \(google\/veo\): id must be 1 to 64/],
    ['a repeated id', catalogueOf(aModel('a'), aModel('a')), /models\[1\]\.id \(a\): id a is named twice/],
    ['seconds that are not a number', catalogueOf(aModel('a', { seconds: ['four'] })), /seconds must look like "4"/],
    ['a repeated size', catalogueOf(aModel('a', { sizes: ['720x1280', '720x1280'] })), /sizes must not repeat/],
    [
      'a default outside the seconds',
      catalogueOf(aModel('a', { default_seconds: '5' })),
      /default_seconds must be one of seconds \(4, 8, 12\)/,
    ],
    [
      'a default outside the sizes',
      catalogueOf(aModel('a', { default_size: '1792x1024' })),
      /default_size must be one of sizes/,
    ],
    [
      'a size without a price',
      catalogueOf(aModel('a', { price: { currency: 'USD', micros_per_second: { '720x1280': 1 } } })),
      /models\[0\]\.price\.micros_per_second \(a\): no price for size 1280x720/,
    ],
    [
      'a price for a size it does not offer',
      catalogueOf(
        aModel('a', {
          price: { currency: 'USD', micros_per_second: { '720x1280': 1, '1280x720': 1, '1792x1024': 1 } },
        }),
      ),
      /size 1792x1024 is not one of sizes/,
    ],
    [
      'a fractional price',
      catalogueOf(aModel('a', { price: { currency: 'USD', micros_per_second: { '720x1280': 0.5, '1280x720': 1 } } })),
      /must be integer micro-USD/,
    ],
    [
      'another currency',
      catalogueOf(aModel('a', { price: { currency: 'EUR', micros_per_second: { '720x1280': 1, '1280x720': 1 } } })),
      /currency must be "USD"/,
    ],
    ['an empty route', catalogueOf(aModel('a', { route: [] })), /route must name at least one provider/],
    [
      'an unknown provider kind',
      catalogueOf(aModel('a', { route: [{ provider: 'acme', model: 'x' }] })),
      /models\[0\]\.route\[0\]\.provider \(a\): provider must be one of openai/,
    ],
    [
      'a provider named twice',
      catalogueOf(
        aModel('a', {
          route: [
            { provider: 'openai', model: 'x' },
            { provider: 'openai', model: 'y' },
          ],
        }),
      ),
      /provider openai is named twice/,
    ],
    [
      'a capability missing',
      catalogueOf(aModel('a', { capabilities: { image_input: true } })),
      /capabilities\.remix \(a\): is required/,
    ],
  ])('throws an error naming the setting and the problem for %s', (_what, value, message) => {
    // Act / Assess
    expect(invalid(value)).toThrow(
      /^Context "reelflow:catalogue" is not a valid model catalogue \(docs\/CATALOGUE\.md\): /,
    );
    expect(invalid(value)).toThrow(message);
  });

  it('throws naming the source when the JSON does not parse', () => {
    // Act / Assess
    expect(() => parseCatalogueJson('{"models": [', 'REELFLOW_CATALOGUE (./c.json)')).toThrow(
      /^REELFLOW_CATALOGUE \(\.\/c\.json\) is not valid JSON/,
    );
  });

  it('returns MODEL_CATALOGUE parsed at cold start, and fails the cold start when it is missing or invalid', () => {
    // Act
    const env = parseEnv(catalogueEnvSchema(), { MODEL_CATALOGUE: JSON.stringify(DEFAULT_CATALOGUE) });

    // Assess
    expect(env.MODEL_CATALOGUE).toEqual(DEFAULT_CATALOGUE);
    expect(() => parseEnv(catalogueEnvSchema(), {})).toThrow(/MODEL_CATALOGUE: MODEL_CATALOGUE is required/);
    expect(() => parseEnv(catalogueEnvSchema(), { MODEL_CATALOGUE: '{"models":[]}' })).toThrow(
      /MODEL_CATALOGUE: MODEL_CATALOGUE is not a valid model catalogue/,
    );
  });

  it('returns each model as OpenAI’s model object with its choices, price and provider kinds, never the route’s ids or costs', () => {
    // Act
    const list = toModelList(DEFAULT_CATALOGUE);

    // Assess
    expect(list.object).toBe('list');
    expect(list.data.map((model) => model.id)).toEqual(['sora-2', 'sora-2-pro']);
    expect(list.data[1]).toEqual({
      id: 'sora-2-pro',
      object: 'model',
      created: 1759708800,
      owned_by: 'reelflow',
      seconds: ['4', '8', '12'],
      sizes: ['720x1280', '1280x720', '1024x1792', '1792x1024'],
      default_seconds: '4',
      default_size: '720x1280',
      capabilities: { image_input: true, remix: true, edit: true, extend: true },
      price: {
        currency: 'USD',
        micros_per_second: { '720x1280': 300_000, '1280x720': 300_000, '1024x1792': 500_000, '1792x1024': 500_000 },
      },
      providers: ['openai'],
    });
    expect(JSON.stringify(toModelResource(DEFAULT_CATALOGUE.models[0]!))).not.toMatch(/route|cost/);
  });

  it('throws a 400 naming the parameter when a source’s model, size or kind of video is no longer offered', () => {
    // Prepare
    const source = { videoId: 'vid_1', model: 'sora-2-pro', size: '1792x1024' };
    const noPro = catalogueWith({ 'sora-2-pro': null });
    const proAt720 = catalogueWith({
      'sora-2-pro': { sizes: ['720x1280'], price: { currency: 'USD', micros_per_second: { '720x1280': 1 } } },
    });
    const noExtend = catalogueWith({
      'sora-2-pro': { capabilities: { image_input: true, remix: true, edit: true, extend: false } },
    });
    const attempt = (catalogue: Catalogue, kind: 'remix' | 'edit' | 'extension', seconds?: string) => () =>
      derivableModel(catalogue, source, kind, seconds);

    // Act / Assess
    expect(attempt(noPro, 'remix')).toThrow(
      expect.objectContaining({
        status: 400,
        param: 'model',
        message: 'model sora-2-pro of video vid_1 is no longer offered; model must be one of sora-2',
      }),
    );
    expect(attempt(proAt720, 'edit')).toThrow(expect.objectContaining({ param: 'size' }));
    expect(attempt(noExtend, 'extension', '4')).toThrow(
      expect.objectContaining({ param: 'model', message: expect.stringMatching(/does not make extensions/) }),
    );
    expect(attempt(DEFAULT_CATALOGUE, 'extension', '5')).toThrow(
      expect.objectContaining({ param: 'seconds', message: 'seconds must be one of 4, 8, 12' }),
    );
    expect(
      attempt(
        catalogueWith({
          'sora-2-pro': { capabilities: { image_input: true, remix: false, edit: true, extend: true } },
        }),
        'remix',
      ),
    ).toThrow('model sora-2-pro does not make remixes (its capabilities: GET /v1/models/sora-2-pro)');
    expect(attempt(noExtend, 'remix')()).toMatchObject({ id: 'sora-2-pro' });
  });

  it('returns a new video bound to its model’s first provider, and a derived one to its source’s provider', () => {
    // Prepare
    const rerouted = catalogueWith({
      'sora-2': { route: [{ provider: 'openai', model: 'sora-2-2026-01-01' }] },
    });
    const source = { model: 'sora-2', size: '720x1280', provider: 'openai', providerModel: 'sora-2' };

    // Act
    const video = newVideoRecord(
      {
        videoId: 'vid_1',
        userId: 'u',
        prompt: 'p',
        model: 'sora-2',
        seconds: '8',
        size: '720x1280',
        metadata: {},
        remixedFromVideoId: null,
      },
      rerouted,
      new Date('2026-01-01T00:00:00Z'),
    );

    // Assess
    expect(video).toMatchObject({
      estimatedMicros: 800_000,
      priceVersion: '2025-10-sora-2',
      provider: 'openai',
      providerModel: 'sora-2-2026-01-01',
    });
    expect(video.providerUnitCostMicros).toBeUndefined();
    expect(derivedRouteOf(rerouted, source)).toEqual({ provider: 'openai', providerModel: 'sora-2' });
    expect(derivedRouteOf(DEFAULT_CATALOGUE, source)).toEqual({
      provider: 'openai',
      providerModel: 'sora-2',
      providerUnitCostMicros: 100_000,
    });
  });

  it('returns a record written before the catalogue as made at openai with its own model id and the default’s price version', () => {
    // Prepare
    const {
      provider: _provider,
      providerModel: _providerModel,
      priceVersion: _priceVersion,
      ...old
    } = toItem(aVideo({ model: 'sora-2-pro' }));

    // Act
    const video = fromItem(old);

    // Assess
    expect(video).toMatchObject({ provider: 'openai', providerModel: 'sora-2-pro', priceVersion: '2025-10-sora-2' });
    expect(toVideoResource(video).provider).toBe('openai');
  });

  it('returns docs/CATALOGUE.md’s JSON as the default catalogue, and its example model as valid beside it', () => {
    // Prepare: the page's JSON blocks in order: the default catalogue, the model added, the API's model object.
    const page = readFileSync(join(REPO_ROOT, 'docs/CATALOGUE.md'), 'utf8');
    const blocks = [...page.matchAll(/```json\n([\s\S]*?)```/g)].map((match) => JSON.parse(match[1]!) as unknown);
    const [documented, added, shown] = blocks;

    // Act
    const extended = parseCatalogue(
      { ...DEFAULT_CATALOGUE, models: [...DEFAULT_CATALOGUE.models, added] },
      'the example',
    );

    // Assess
    expect(documented).toEqual(DEFAULT_CATALOGUE);
    expect(priceOf(extended, 'veo-3.1-fast', '1280x720', '8').estimatedMicros).toBe(1_200_000);
    expect(shown).toEqual(toModelResource(DEFAULT_CATALOGUE.models[0]!));
  });
});

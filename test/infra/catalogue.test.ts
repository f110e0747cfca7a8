import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../infra/app';
import { HANDLER_METADATA_KEY } from '../../infra/constructs/app-function';
import { DEFAULT_CATALOGUE } from '../../shared/catalogue/default-catalogue';
import { type SynthesizedApp, synthesizeApp } from './app-fixture';

// The model catalogue at synth: context "reelflow:catalogue" (or the default) checked, then given as MODEL_CATALOGUE
// to the functions that read it, and to no other.

/** sora-2's fields under another id: a model a deployment adds. */
const kiteFast = {
  ...structuredClone(DEFAULT_CATALOGUE.models[0]!),
  id: 'kite-fast',
  sizes: ['1280x720'],
  default_size: '1280x720',
  price: { currency: 'USD', micros_per_second: { '1280x720': 250_000 } },
  route: [{ provider: 'openai', model: 'sora-2' }],
};
const override = { price_version: 'v-kites', models: [...DEFAULT_CATALOGUE.models, kiteFast] };

/** MODEL_CATALOGUE of each function of the app that has one, by its folder under functions/. */
function catalogueByFunction(synthesized: SynthesizedApp): Record<string, string> {
  const resources = synthesized.statelessTemplate.findResources('AWS::Lambda::Function') as Record<
    string,
    { Metadata?: Record<string, unknown>; Properties: { Environment?: { Variables?: Record<string, unknown> } } }
  >;
  return Object.fromEntries(
    Object.values(resources).flatMap((resource) => {
      const handler = resource.Metadata?.[HANDLER_METADATA_KEY];
      const catalogue = resource.Properties.Environment?.Variables?.MODEL_CATALOGUE;
      if (typeof handler !== 'string' || catalogue === undefined) return [];
      return [[handler.split('/')[1]!, catalogue as string]];
    }),
  );
}

const synth = (context: Record<string, unknown>) => () =>
  buildApp({ context: { 'aws:cdk:bundling-stacks': [], ...context } });

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('the model catalogue at synth', () => {
  let byDefault: Record<string, string>;

  beforeAll(() => {
    byDefault = catalogueByFunction(synthesizeApp());
  });

  it('gives the default catalogue to the functions that admit videos and the model routes, and to no other', () => {
    // Assess: no pipeline, settlement or reconciler function reads it, so none can re-price or re-route a video.
    expect(Object.keys(byDefault).sort()).toEqual([
      'create-video',
      'edit-video',
      'extend-video',
      'get-model',
      'list-models',
      'remix-video',
    ]);
    for (const json of Object.values(byDefault)) expect(JSON.parse(json)).toEqual(DEFAULT_CATALOGUE);
  });

  it('gives a catalogue of context "reelflow:catalogue" as an object, as JSON text, or from a JSON file', () => {
    // Prepare
    const file = join(mkdtempSync(join(tmpdir(), 'reelflow-catalogue-')), 'catalogue.json');
    writeFileSync(file, JSON.stringify(override));

    // Act
    const given = [override, JSON.stringify(override), file].map(
      (value) => catalogueByFunction(synthesizeApp({ 'reelflow:catalogue': value }))['create-video'],
    );

    // Assess
    for (const json of given) expect(JSON.parse(json!)).toEqual(override);
  }, 180_000);

  it('throws at synth naming the context and every problem when the catalogue is invalid', () => {
    // Prepare
    const bad = { price_version: 'v', models: [{ ...kiteFast, default_seconds: '5', route: [] }] };

    // Act / Assess
    expect(synth({ 'reelflow:catalogue': bad })).toThrow(
      'Context "reelflow:catalogue" is not a valid model catalogue (docs/CATALOGUE.md): ' +
        'models[0].route (kite-fast): route must name at least one provider; ' +
        'models[0].default_seconds (kite-fast): default_seconds must be one of seconds (4, 8, 12)',
    );
    expect(synth({ 'reelflow:catalogue': '{"models": [' })).toThrow(/^Context "reelflow:catalogue" is not valid JSON/);
    expect(synth({ 'reelflow:catalogue': '/nowhere/catalogue.json' })).toThrow(
      /^Context "reelflow:catalogue" names the file \/nowhere\/catalogue\.json, which cannot be read/,
    );
  });

  it.each([
    ['context PRICE_TABLE', { PRICE_TABLE: '{}' }, {}, /^PRICE_TABLE is no longer read/],
    ['context reelflow:allowedModels', { 'reelflow:allowedModels': 'sora-2' }, {}, /^reelflow:allowedModels is no/],
    ['environment ALLOWED_MODELS', {}, { ALLOWED_MODELS: 'sora-2' }, /^ALLOWED_MODELS is no longer read/],
    [
      'environment PRICE_TABLE and ALLOWED_MODELS (both named)',
      {},
      { PRICE_TABLE: '{}', ALLOWED_MODELS: 'sora-2' },
      /^PRICE_TABLE and ALLOWED_MODELS are no longer read/,
    ],
  ])('throws at synth naming context "reelflow:catalogue" when %s is still set', (_what, context, env, message) => {
    // Prepare
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);

    // Act / Assess
    expect(synth(context)).toThrow(message);
    expect(synth(context)).toThrow(/set context "reelflow:catalogue" instead \(docs\/CATALOGUE\.md\)/);
  });

  it('throws at synth when the catalogue would not fit in a function’s environment', () => {
    // Prepare: Lambda allows 4 KB for all of a function's variables.
    const many = Array.from({ length: 12 }, (_, index) => ({ ...kiteFast, id: `kite-${index}` }));

    // Act / Assess
    expect(synth({ 'reelflow:catalogue': { price_version: 'v', models: many } })).toThrow(
      /^Context "reelflow:catalogue" is \d+ bytes as compact JSON: at most 3000 fit/,
    );
  });
});

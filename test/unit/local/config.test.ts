import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLocalConfig } from '../../../local/config';
import { describeCatalogue } from '../../../local/stack';
import { DEFAULT_CATALOGUE } from '../../../shared/catalogue/default-catalogue';

describe('local config LOCAL_TIME_SCALE', () => {
  it('returns the scale as a number, and none when unset', () => {
    expect(readLocalConfig({ LOCAL_TIME_SCALE: '0.1' }).timeScale).toBe(0.1);
    expect(readLocalConfig({}).timeScale).toBeUndefined();
  });

  it('throws for a scale that is not a positive number', () => {
    expect(() => readLocalConfig({ LOCAL_TIME_SCALE: '0' })).toThrow(/LOCAL_TIME_SCALE must be a positive number/);
    expect(() => readLocalConfig({ LOCAL_TIME_SCALE: 'fast' })).toThrow(/LOCAL_TIME_SCALE must be a positive number/);
  });

  it('throws when LOCAL_WAIT_MS is set too, as the two cannot both decide the waits', () => {
    expect(() => readLocalConfig({ LOCAL_TIME_SCALE: '0.1', LOCAL_WAIT_MS: '50' })).toThrow(/not both/);
  });
});

describe('local config: the admission gate under LOCAL_TIME_SCALE', () => {
  it('returns the gate settings given, and no window of its own, without a time scale', () => {
    expect(
      readLocalConfig({ PROVIDER_REQUESTS_PER_MINUTE: '20', PROVIDER_SLOT_LEASE_SECONDS: '60' }).providerLimits,
    ).toEqual({
      PROVIDER_REQUESTS_PER_MINUTE: '20',
      PROVIDER_SLOT_LEASE_SECONDS: '60',
    });
  });

  it('returns the rate window and the lease (given or the default 900 s) shortened by the scale', () => {
    expect(readLocalConfig({ LOCAL_TIME_SCALE: '0.1', PROVIDER_SLOT_LEASE_SECONDS: '60' }).providerLimits).toEqual({
      PROVIDER_SLOT_LEASE_SECONDS: '6',
      PROVIDER_RATE_WINDOW_SECONDS: '6',
    });
    expect(readLocalConfig({ LOCAL_TIME_SCALE: '0.5' }).providerLimits).toEqual({
      PROVIDER_SLOT_LEASE_SECONDS: '450',
      PROVIDER_RATE_WINDOW_SECONDS: '30',
    });
  });
});

describe('local config: the model catalogue (REELFLOW_CATALOGUE)', () => {
  const file = (content: string) => {
    const path = join(mkdtempSync(join(tmpdir(), 'reelflow-catalogue-')), 'catalogue.json');
    writeFileSync(path, content);
    return path;
  };

  it('returns no catalogue when unset (the default catalogue), and the file’s when set', () => {
    // Prepare
    const override = { ...DEFAULT_CATALOGUE, price_version: 'v-local' };
    const path = file(JSON.stringify(override));

    // Act / Assess
    expect(readLocalConfig({}).catalogue).toBeUndefined();
    expect(readLocalConfig({ REELFLOW_CATALOGUE: path }).catalogue).toEqual({ catalogue: override, path });
  });

  it('throws at start naming REELFLOW_CATALOGUE when the file is missing, not JSON or not a valid catalogue', () => {
    // Act / Assess
    expect(() => readLocalConfig({ REELFLOW_CATALOGUE: '/nowhere/catalogue.json' })).toThrow(
      /^REELFLOW_CATALOGUE names \/nowhere\/catalogue\.json, which cannot be read/,
    );
    expect(() => readLocalConfig({ REELFLOW_CATALOGUE: file('{') })).toThrow(
      /^REELFLOW_CATALOGUE \(.+\) is not valid JSON/,
    );
    expect(() => readLocalConfig({ REELFLOW_CATALOGUE: file('{"price_version":"v","models":[]}') })).toThrow(
      /^REELFLOW_CATALOGUE \(.+\) is not a valid model catalogue \(docs\/CATALOGUE\.md\): models: models must name at least one model$/,
    );
  });

  it.each([
    [{ PRICE_TABLE: '{}' }, /^PRICE_TABLE is no longer read/],
    [{ ALLOWED_MODELS: 'sora-2' }, /^ALLOWED_MODELS is no longer read/],
    [{ PRICE_TABLE: '', ALLOWED_MODELS: 'sora-2' }, /^PRICE_TABLE and ALLOWED_MODELS are no longer read/],
  ])('throws at start naming REELFLOW_CATALOGUE when %j is still set', (env, message) => {
    // Act / Assess
    expect(() => readLocalConfig(env)).toThrow(message);
    expect(() => readLocalConfig(env)).toThrow(/set REELFLOW_CATALOGUE to the path of a catalogue JSON file instead/);
  });
});

describe('local stack: the banner’s catalogue line', () => {
  it('returns the default’s source, price version and models, or the file REELFLOW_CATALOGUE named', () => {
    // Act
    const byDefault = describeCatalogue(undefined);
    const given = describeCatalogue({
      catalogue: { ...DEFAULT_CATALOGUE, price_version: 'v-local', models: [DEFAULT_CATALOGUE.models[1]!] },
      path: '/tmp/c.json',
    });

    // Assess
    expect(byDefault).toBe(
      'the default (REELFLOW_CATALOGUE unset), prices 2025-10-sora-2: sora-2 (openai), sora-2-pro (openai)',
    );
    expect(given).toBe('/tmp/c.json (REELFLOW_CATALOGUE), prices v-local: sora-2-pro (openai)');
  });
});

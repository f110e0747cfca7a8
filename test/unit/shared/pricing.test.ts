import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICE_TABLE, estimateMicros, isPriced, loadPriceTable } from '../../../shared/pricing';

describe('pricing', () => {
  it.each([
    ['sora-2', '720x1280', '4', 400_000],
    ['sora-2', '1792x1024', '12', 1_200_000],
    ['sora-2-pro', '1280x720', '8', 2_400_000],
    ['sora-2-pro', '1024x1792', '12', 6_000_000],
  ] as const)('returns the default estimate for %s at %s for %s seconds', (model, size, seconds, micros) => {
    // Act
    const estimate = estimateMicros(model, size, seconds);

    // Assess
    expect(estimate).toBe(micros);
    expect(Number.isInteger(estimate)).toBe(true);
  });

  it('returns the defaults when PRICE_TABLE is not set', () => {
    // Act
    const table = loadPriceTable(undefined);

    // Assess
    expect(table).toBe(DEFAULT_PRICE_TABLE);
  });

  it('returns the override when PRICE_TABLE is valid JSON', () => {
    // Prepare
    const json = JSON.stringify({ version: 'v2', microsPerSecond: { 'sora-2': { '720x1280': 50_000 } } });

    // Act
    const table = loadPriceTable(json);

    // Assess
    expect(table.version).toBe('v2');
    expect(estimateMicros('sora-2', '720x1280', '8', table)).toBe(400_000);
    expect(isPriced(table, 'sora-2-pro', '720x1280')).toBe(false);
  });

  it.each([['not json'], [JSON.stringify({ version: 'v', microsPerSecond: { 'sora-2': { '720x1280': 0.5 } } })]])(
    'throws a clear error when PRICE_TABLE is %s',
    (json) => {
      // Act / Assess
      expect(() => loadPriceTable(json)).toThrow(/PRICE_TABLE/);
    },
  );

  it('throws when the model and size have no price', () => {
    // Act / Assess
    expect(() => estimateMicros('sora-9', '720x1280', '4')).toThrow(/No price/);
  });
});

import { describe, expect, it } from 'vitest';
import { formatBytes, formatMicros, formatReport, formatTime, table } from '../../../cli/format';

describe('cli format', () => {
  it('returns exact dollars for integer micros, with at least two decimals', () => {
    // Act / Assess
    expect(formatMicros(400_000)).toBe('$0.40');
    expect(formatMicros(1_000_000)).toBe('$1.00');
    expect(formatMicros(1_234_567)).toBe('$1.234567');
    expect(formatMicros(10)).toBe('$0.00001');
    expect(formatMicros(0)).toBe('$0.00');
    expect(formatMicros(-2_500_000)).toBe('-$2.50');
  });

  it('returns UTC times and human sizes', () => {
    // Act / Assess
    expect(formatTime(1_763_700_000)).toBe('2025-11-21 04:40:00Z');
    expect(formatTime(null)).toBe('-');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1_900_000)).toBe('1.9 MB');
  });

  it('returns aligned columns and cuts long cells', () => {
    // Act
    const text = table(['A', 'LONG HEADER'], [['x'.repeat(60), 'y']], 10);

    // Assess
    expect(text).toBe(['A           LONG HEADER', `${'x'.repeat(9)}…  y`].join('\n'));
  });

  it('returns a report with scalar fields first and arrays of rows as a table', () => {
    // Act
    const text = formatReport({
      object: 'cost_report',
      month: '2026-11',
      data: [{ user_id: 'alice', videos: 2, charged_micros: 800_000, charged_at: 1_763_700_000 }],
      provider_costs: [],
      totals: { videos: 2, charged_micros: 800_000 },
    });

    // Assess
    expect(text).toBe(
      [
        'month  2026-11',
        '',
        'USER ID  VIDEOS  CHARGED  CHARGED AT',
        'alice    2       $0.80    2025-11-21 04:40:00Z',
        '',
        'provider costs',
        '  (none)',
        '',
        'totals',
        '  videos   2',
        '  charged  $0.80',
      ].join('\n'),
    );
  });
});

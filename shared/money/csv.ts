/*
 * CSV for finance (RFC 4180: CRLF line ends, fields quoted when they need it). Amounts are US dollars with six
 * decimals, converted from integer micros without floating point.
 */

/** Integer micro-USD as dollars with 6 decimals, e.g. 1_234_500 → "1.234500", -5 → "-0.000005". */
export function microsToDollars(micros: number): string {
  const sign = micros < 0 ? '-' : '';
  const abs = Math.abs(micros);
  return `${sign}${Math.floor(abs / 1_000_000)}.${String(abs % 1_000_000).padStart(6, '0')}`;
}

/** A plain decimal number (what microsToDollars writes): a spreadsheet reads it as a number, never a formula. */
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

/**
 * One CSV field. Quoted when it holds a comma, quote or line break; text a spreadsheet would run as a formula
 * (leading `=`, `+`, `-`, `@`, tab or CR) is prefixed with `'` so it stays text. A plain decimal number keeps its
 * minus sign unprefixed: `'-0.500000` would be text to a spreadsheet, and a refund would drop out of every sum.
 */
export function csvField(value: string | number): string {
  if (typeof value === 'number' || PLAIN_NUMBER.test(value)) return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** A CSV document from a header and rows, CRLF line ends, ending with a line break. */
export function toCsv(header: string[], rows: Array<Array<string | number>>): string {
  return `${[header, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n')}\r\n`;
}

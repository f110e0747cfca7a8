import * as z from 'zod/mini';
import { lazy } from './lazy';
import type { VideoModelName, VideoSize } from './video/schemas';

/**
 * A versioned price table: integer micro-USD per second of video, per model and size. Records store the
 * version they were estimated with, so a price change never rewrites history.
 */
export const priceTableSchema = lazy(() =>
  z.object({
    version: z.string().check(z.minLength(1)),
    currency: z._default(z.literal('USD'), 'USD'),
    /** model → size → micro-USD per second. */
    microsPerSecond: z.record(
      z.string().check(z.minLength(1)),
      z.record(z.string().check(z.minLength(1)), z.number().check(z.int(), z.nonnegative())),
    ),
  }),
);

export type PriceTable = z.output<ReturnType<typeof priceTableSchema>>;

/** Defaults: OpenAI's last published Sora 2 prices ($0.10/s sora-2; $0.30/s sora-2-pro 720p, $0.50/s 1024p). */
export const DEFAULT_PRICE_TABLE: PriceTable = {
  version: '2025-10-sora-2',
  currency: 'USD',
  microsPerSecond: {
    'sora-2': { '720x1280': 100_000, '1280x720': 100_000, '1024x1792': 100_000, '1792x1024': 100_000 },
    'sora-2-pro': { '720x1280': 300_000, '1280x720': 300_000, '1024x1792': 500_000, '1792x1024': 500_000 },
  },
};

/** The price table from `PRICE_TABLE` (JSON) when set, else the defaults; throws a clear error when invalid. */
export function loadPriceTable(json: string | undefined): PriceTable {
  if (json === undefined) return DEFAULT_PRICE_TABLE;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new Error('PRICE_TABLE is not valid JSON', { cause: error });
  }
  const result = priceTableSchema().safeParse(parsed);
  if (!result.success) {
    throw new Error(`PRICE_TABLE is invalid: ${result.error.issues.map((i) => i.message).join('; ')}`);
  }
  return result.data;
}

/** True when the table has a price for this model and size. */
export function isPriced(table: PriceTable, model: string, size: string): boolean {
  return table.microsPerSecond[model]?.[size] !== undefined;
}

/**
 * The estimated cost of one video in integer micro-USD.
 * @throws Error when the table has no price for the model and size (validation rejects those first).
 */
export function estimateMicros(
  model: VideoModelName,
  size: VideoSize,
  seconds: string,
  table: PriceTable = DEFAULT_PRICE_TABLE,
): number {
  const perSecond = table.microsPerSecond[model]?.[size];
  if (perSecond === undefined) {
    throw new Error(`No price for model ${model} at size ${size} in price table ${table.version}`);
  }
  return perSecond * Number.parseInt(seconds, 10);
}

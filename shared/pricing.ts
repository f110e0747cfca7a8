import { priceOf } from './catalogue/catalogue';
import { DEFAULT_CATALOGUE } from './catalogue/default-catalogue';
import type { Catalogue } from './catalogue/schema';

/*
 * The model catalogue's prices under the names of the price table they replaced (PRICE_TABLE is gone; prices are
 * per model and size in the catalogue, docs/CATALOGUE.md). New code reads shared/catalogue/ directly.
 */

/** The prices of a catalogue: its models' price per second by size, and its price version. */
export type PriceTable = Catalogue;

/** The default catalogue, whose prices are the old default price table's (same version). */
export const DEFAULT_PRICE_TABLE: PriceTable = DEFAULT_CATALOGUE;

/**
 * The price of one video in integer micro-USD: the model's price per second at `size` × `seconds`.
 * @throws Error when the catalogue has no price for the model and size (admission refuses those with a 400 first).
 */
export function estimateMicros(
  model: string,
  size: string,
  seconds: string,
  table: PriceTable = DEFAULT_PRICE_TABLE,
): number {
  return priceOf(table, model, size, seconds).estimatedMicros;
}

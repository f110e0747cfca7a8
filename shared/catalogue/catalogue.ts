import { ValidationError } from '../errors';
import type { Catalogue, CatalogueModel, RouteStep } from './schema';

/*
 * Reading the model catalogue (docs/CATALOGUE.md): lookups, what a request may ask of a model, a video's price and
 * route. The catalogue itself is configuration (shared/catalogue/schema.ts): admission reads it, and records on the
 * video what it decided (provider, the provider's model id, the price version and price), so that nothing later
 * reads the catalogue again for that video.
 */

/** The model `id` names, or undefined when the catalogue has none of that id. */
export function findModel(catalogue: Catalogue, id: string): CatalogueModel | undefined {
  return catalogue.models.find((model) => model.id === id);
}

/** The model of a create that names none: the catalogue's first. */
export function defaultModel(catalogue: Catalogue): CatalogueModel {
  return catalogue.models[0]!;
}

/** The catalogue's model ids, in its order. */
export function modelIds(catalogue: Catalogue): string[] {
  return catalogue.models.map((model) => model.id);
}

/** The 400 message of a value outside `allowed`: `seconds must be one of 4, 8, 12`. */
export function notOneOf(param: string, allowed: readonly string[]): string {
  return `${param} must be one of ${allowed.join(', ')}`;
}

/** What a derived video asks of its source's model. */
export type Derivation = 'remix' | 'edit' | 'extension';

const DERIVATION_CAPABILITY = { remix: 'remix', edit: 'edit', extension: 'extend' } as const;
const DERIVATION_PLURAL = { remix: 'remixes', edit: 'edits', extension: 'extensions' } as const;

/**
 * The catalogue's model of a video made from `source` (a remix, an edit or an extension: model and size are the
 * source's), or a 400: the model is no longer offered (param `model`), not at that size (`size`), or cannot make
 * this kind of video (`model`); an extension's `seconds` must be one of the model's (`seconds`).
 */
export function derivableModel(
  catalogue: Catalogue,
  source: { videoId: string; model: string; size: string },
  kind: Derivation,
  extensionSeconds?: string,
): CatalogueModel {
  const model = findModel(catalogue, source.model);
  if (model === undefined) {
    throw new ValidationError(
      `model ${source.model} of video ${source.videoId} is no longer offered; ${notOneOf('model', modelIds(catalogue))}`,
      'model',
    );
  }
  if (!model.sizes.includes(source.size)) {
    throw new ValidationError(
      `model ${model.id} is no longer offered at size ${source.size} of video ${source.videoId}; ${notOneOf('size', model.sizes)}`,
      'size',
    );
  }
  if (!model.capabilities[DERIVATION_CAPABILITY[kind]]) {
    throw new ValidationError(
      `model ${model.id} does not make ${DERIVATION_PLURAL[kind]} (its capabilities: GET /v1/models/${model.id})`,
      'model',
    );
  }
  if (extensionSeconds !== undefined && !model.seconds.includes(extensionSeconds)) {
    throw new ValidationError(notOneOf('seconds', model.seconds), 'seconds');
  }
  return model;
}

/** What a video's price was when it was admitted: recorded on it, and what its charge is made of. */
export interface VideoPrice {
  /** Integer micro-USD: the price per second × the seconds the provider generates and bills. */
  estimatedMicros: number;
  /** Integer micro-USD per second at the video's size. */
  unitPriceMicros: number;
  priceVersion: string;
}

/**
 * The price of `seconds` of video at `size` with `model`, in exact integer micro-USD.
 * @throws Error when the catalogue has no price for them (admission refuses those with a 400 first).
 */
export function priceOf(catalogue: Catalogue, model: string, size: string, seconds: string): VideoPrice {
  const unitPriceMicros = findModel(catalogue, model)?.price.micros_per_second[size];
  if (unitPriceMicros === undefined) {
    throw new Error(`No price for model ${model} at size ${size} in the catalogue's prices ${catalogue.price_version}`);
  }
  return {
    estimatedMicros: unitPriceMicros * Number.parseInt(seconds, 10),
    unitPriceMicros,
    priceVersion: catalogue.price_version,
  };
}

/** Where a video's job is made: the provider kind and its own model id, recorded on the video at admission. */
export interface VideoRoute {
  provider: string;
  providerModel: string;
  /** The provider's own price per second at the video's size, when its route step gives one (a provider that reports no cost). */
  providerUnitCostMicros?: number;
}

/** The route of a new video of `model` at `size`: its route's first provider (the preferred one). */
export function routeOf(catalogue: Catalogue, model: string, size: string): VideoRoute {
  const step = findModel(catalogue, model)?.route[0];
  if (step === undefined) throw new Error(`No model ${model} in the catalogue`);
  return routeFrom(step, size);
}

/**
 * The route of a video made from another one at `provider` (the provider holding the source's job, which it
 * remixes, edits or extends): that provider and the source's provider model id; its cost from the model's route step
 * of that provider when the catalogue still has one.
 */
export function derivedRouteOf(
  catalogue: Catalogue,
  source: { model: string; size: string; provider: string; providerModel: string },
): VideoRoute {
  const step = findModel(catalogue, source.model)?.route.find((candidate) => candidate.provider === source.provider);
  const cost = step?.cost?.micros_per_second[source.size];
  return {
    provider: source.provider,
    providerModel: source.providerModel,
    ...(cost === undefined ? {} : { providerUnitCostMicros: cost }),
  };
}

function routeFrom(step: RouteStep, size: string): VideoRoute {
  const cost = step.cost?.micros_per_second[size];
  return {
    provider: step.provider,
    providerModel: step.model,
    ...(cost === undefined ? {} : { providerUnitCostMicros: cost }),
  };
}

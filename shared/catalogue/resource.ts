import * as z from 'zod/mini';
import { lazy } from '../lazy';
import type { Catalogue, CatalogueModel } from './schema';

/*
 * The catalogue as GET /v1/models and GET /v1/models/{id} show it: OpenAI's model list shape (`id`, `object`,
 * `created`, `owned_by`, in a `{object: "list", data}` page), so the official SDK's `client.models.list()` and
 * `retrieve()` read it, with what a client needs to make a valid create. The route's provider model ids and costs stay
 * private: only the provider kinds show, in order of preference.
 */

const sizePrices = () =>
  z.record(z.string(), z.number().check(z.int())).check(z.describe('Integer micro-USD per second of video, by size'));

/** One model. */
export const modelResourceSchema = lazy(() =>
  z
    .object({
      id: z.string().check(z.describe('What a create sends as `model`')),
      object: z.literal('model'),
      created: z.number().check(z.int(), z.describe('Unix seconds')),
      owned_by: z.literal('reelflow'),
      seconds: z.array(z.string()).check(z.describe('The lengths a create may ask for (`seconds`), as strings')),
      sizes: z.array(z.string()).check(z.describe('The sizes a create may ask for (`size`), width x height')),
      default_seconds: z.string().check(z.describe('The length of a create that sends no `seconds`')),
      default_size: z.string().check(z.describe('The size of a create that sends no `size`')),
      capabilities: z
        .object({
          image_input: z.boolean().check(z.describe('Takes `input_reference`, an image as the first frame')),
          remix: z.boolean().check(z.describe('Its videos can be remixed (POST /v1/videos/{id}/remix)')),
          edit: z.boolean().check(z.describe('Its videos can be edited (POST /v1/videos/edits)')),
          extend: z.boolean().check(z.describe('Its videos can be extended (POST /v1/videos/extensions)')),
        })
        .check(z.describe('What the model can do besides a create from a prompt')),
      price: z
        .object({ currency: z.literal('USD'), micros_per_second: sizePrices() })
        .check(z.describe('What a video costs: the price per second at its size × its seconds')),
      providers: z
        .array(z.string())
        .check(z.describe('The provider kinds that make its videos, in order of preference (e.g. openai)')),
    })
    .check(z.describe('A video model of the catalogue')),
);

export type ModelResource = z.output<ReturnType<typeof modelResourceSchema>>;

/** Every model: OpenAI's list page (one page, as OpenAI's `GET /v1/models`). */
export const modelListSchema = lazy(() =>
  z
    .object({ object: z.literal('list'), data: z.array(modelResourceSchema()) })
    .check(z.describe('The models of the catalogue; the first is the default of a create that names none')),
);

export type ModelList = z.output<ReturnType<typeof modelListSchema>>;

/** The path parameter `{id}` of GET /v1/models/{id}. */
export const modelIdPathSchema = lazy(() =>
  z.object({ id: z.string().check(z.minLength(1), z.maxLength(64), z.describe('The model id, e.g. sora-2')) }),
);

/** A model as the API shows it. */
export function toModelResource(model: CatalogueModel): ModelResource {
  return {
    id: model.id,
    object: 'model',
    created: model.created,
    owned_by: 'reelflow',
    seconds: [...model.seconds],
    sizes: [...model.sizes],
    default_seconds: model.default_seconds,
    default_size: model.default_size,
    capabilities: { ...model.capabilities },
    price: { currency: model.price.currency, micros_per_second: { ...model.price.micros_per_second } },
    providers: model.route.map((step) => step.provider),
  };
}

/** The catalogue as GET /v1/models answers it. */
export function toModelList(catalogue: Catalogue): ModelList {
  return { object: 'list', data: catalogue.models.map(toModelResource) };
}

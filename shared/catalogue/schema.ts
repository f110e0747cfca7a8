import * as z from 'zod/mini';
import type { $ZodIssue } from 'zod/v4/core';
import { lazy } from '../lazy';
import { PROVIDER_KINDS } from '../provider/kinds';

/*
 * The model catalogue's JSON (docs/CATALOGUE.md): every model a deployment offers, with the seconds and sizes it
 * takes, its price per second by size, what it can do, and its route of providers. A plain-data module (no package
 * but zod/mini, no AWS client): infra checks a deployment's catalogue with it at synth, the local stack at start, and
 * the functions that admit videos parse their MODEL_CATALOGUE with it at cold start, so all three read it alike.
 * Every message is written out here: this module loads no zod locale.
 */

/** The largest catalogue, as compact JSON, a deployment can carry in a function's environment (Lambda allows 4 KB for all of them). */
export const MAX_CATALOGUE_JSON_BYTES = 3000;

const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const SECONDS = /^[1-9][0-9]{0,2}$/;
const SIZE = /^[1-9][0-9]{1,4}x[1-9][0-9]{1,4}$/;

const text = (what: string, max: number) =>
  z
    .string({ error: `${what} must be a string` })
    .check(
      z.minLength(1, { error: `${what} must not be empty` }),
      z.maxLength(max, { error: `${what} must be at most ${max} characters` }),
    );

const uniqueList = (what: string, pattern: RegExp, example: string) =>
  z
    .array(
      z
        .string({ error: `${what} must be strings, e.g. "${example}"` })
        .check(z.regex(pattern, { error: `${what} must look like "${example}"` })),
      { error: `${what} must be a list of strings` },
    )
    .check(
      z.minLength(1, { error: `${what} must name at least one value` }),
      z.refine((values) => new Set(values).size === values.length, { error: `${what} must not repeat a value` }),
    );

/** Integer micro-USD per second of video, by size. */
const microsPerSecond = (what: string) =>
  z.record(
    z.string(),
    z
      .number({ error: `${what} must be integer micro-USD` })
      .check(
        z.int({ error: `${what} must be integer micro-USD` }),
        z.nonnegative({ error: `${what} must not be negative` }),
      ),
    { error: `${what} must be an object of sizes to integer micro-USD` },
  );

const currency = z.literal('USD', { error: 'currency must be "USD"' });

/** A step of a model's route: a provider kind and that provider's own model id. */
const routeStepSchema = lazy(() =>
  z.strictObject(
    {
      provider: z.enum(PROVIDER_KINDS, { error: `provider must be one of ${PROVIDER_KINDS.join(', ')}` }),
      /** The provider's own model id (may contain `/`, e.g. an aggregator's `vendor/model`). */
      model: text('model', 200),
      /**
       * What the provider charges per second, by size, for a provider that reports no cost of its own: the provider
       * cost finance sees. Absent: the provider reports its cost (or it equals the price).
       */
      cost: z.optional(
        z.strictObject(
          { currency, micros_per_second: microsPerSecond('cost.micros_per_second') },
          { error: 'cost must be an object' },
        ),
      ),
    },
    { error: 'a route step must be an object {provider, model}' },
  ),
);

/** One model as the catalogue JSON writes it. */
export const catalogueModelSchema = lazy(() =>
  z
    .strictObject(
      {
        id: z.string({ error: 'id must be a string' }).check(
          z.regex(MODEL_ID, {
            error:
              'id must be 1 to 64 letters, digits, dots, dashes or underscores (no "/"), starting with a letter or digit',
          }),
        ),
        /** Unix seconds: OpenAI's `created` of the model. */
        created: z
          .number({ error: 'created must be Unix seconds' })
          .check(
            z.int({ error: 'created must be Unix seconds' }),
            z.nonnegative({ error: 'created must be Unix seconds' }),
          ),
        seconds: uniqueList('seconds', SECONDS, '4'),
        sizes: uniqueList('sizes', SIZE, '1280x720'),
        default_seconds: z.string({ error: 'default_seconds must be a string' }),
        default_size: z.string({ error: 'default_size must be a string' }),
        capabilities: z.strictObject(
          {
            image_input: z.boolean({ error: 'capabilities.image_input must be true or false' }),
            remix: z.boolean({ error: 'capabilities.remix must be true or false' }),
            edit: z.boolean({ error: 'capabilities.edit must be true or false' }),
            extend: z.boolean({ error: 'capabilities.extend must be true or false' }),
          },
          { error: 'capabilities must be an object {image_input, remix, edit, extend}' },
        ),
        price: z.strictObject(
          { currency, micros_per_second: microsPerSecond('price.micros_per_second') },
          { error: 'price must be an object {currency, micros_per_second}' },
        ),
        route: z
          .array(routeStepSchema(), { error: 'route must be a list of {provider, model}' })
          .check(z.minLength(1, { error: 'route must name at least one provider' })),
      },
      { error: 'a model must be an object' },
    )
    .check(
      z.superRefine((model, ctx) => {
        const issue = (path: Array<string | number>, message: string) =>
          ctx.addIssue({ code: 'custom', path, message, input: model });
        if (!model.seconds.includes(model.default_seconds)) {
          issue(['default_seconds'], `default_seconds must be one of seconds (${model.seconds.join(', ')})`);
        }
        if (!model.sizes.includes(model.default_size)) {
          issue(['default_size'], `default_size must be one of sizes (${model.sizes.join(', ')})`);
        }
        const sameSizes = (prices: Record<string, number>, path: Array<string | number>) => {
          const missing = model.sizes.filter((size) => prices[size] === undefined);
          const extra = Object.keys(prices).filter((size) => !model.sizes.includes(size));
          if (missing.length > 0) issue(path, `no price for size ${missing.join(', ')}: every size needs one`);
          if (extra.length > 0) issue(path, `size ${extra.join(', ')} is not one of sizes`);
        };
        sameSizes(model.price.micros_per_second, ['price', 'micros_per_second']);
        const seen = new Set<string>();
        model.route.forEach((step, index) => {
          if (seen.has(step.provider)) issue(['route', index, 'provider'], `provider ${step.provider} is named twice`);
          seen.add(step.provider);
          if (step.cost !== undefined)
            sameSizes(step.cost.micros_per_second, ['route', index, 'cost', 'micros_per_second']);
        });
      }),
    ),
);

/** The catalogue: its price version and its models, the first one the default of a create that names none. */
export const catalogueSchema = lazy(() =>
  z
    .strictObject(
      {
        /**
         * The version of the prices below, recorded on every video admitted with them (and on its ledger entry): give
         * a new one whenever a price changes.
         */
        price_version: text('price_version', 64),
        models: z
          .array(catalogueModelSchema(), { error: 'models must be a list' })
          .check(z.minLength(1, { error: 'models must name at least one model' })),
      },
      { error: 'the catalogue must be a JSON object {price_version, models}' },
    )
    .check(
      z.superRefine((catalogue, ctx) => {
        const seen = new Set<string>();
        catalogue.models.forEach((model, index) => {
          if (seen.has(model.id)) {
            ctx.addIssue({
              code: 'custom',
              path: ['models', index, 'id'],
              message: `id ${model.id} is named twice`,
              input: model.id,
            });
          }
          seen.add(model.id);
        });
      }),
    ),
);

export type Catalogue = z.output<ReturnType<typeof catalogueSchema>>;
export type CatalogueModel = z.output<ReturnType<typeof catalogueModelSchema>>;
export type RouteStep = CatalogueModel['route'][number];

/** One problem of a catalogue, as `models[1].price.micros_per_second: no price for size 1280x720`. */
function describeIssue(issue: $ZodIssue, catalogue: unknown): string {
  const path = issue.path.reduce<string>((text, part, index) => {
    if (typeof part === 'number') return `${text}[${part}]`;
    return index === 0 ? String(part) : `${text}.${String(part)}`;
  }, '');
  const id = modelIdAt(catalogue, issue.path);
  const where = `${path}${id === undefined ? '' : ` (${id})`}`;
  if (issue.code === 'unrecognized_keys') return `${where || 'the catalogue'}: unknown field ${issue.keys.join(', ')}`;
  if (issue.code === 'invalid_type' && issue.input === undefined) return `${where}: is required`;
  return where === '' ? issue.message : `${where}: ${issue.message}`;
}

/** The id of the model an issue's path points into, when it has one: messages name the model, not only its index. */
function modelIdAt(catalogue: unknown, path: readonly PropertyKey[]): string | undefined {
  if (path[0] !== 'models' || typeof path[1] !== 'number') return undefined;
  const models = (catalogue as { models?: unknown } | null)?.models;
  const id = Array.isArray(models) ? (models[path[1]] as { id?: unknown } | undefined)?.id : undefined;
  return typeof id === 'string' ? id : undefined;
}

/**
 * The catalogue `value` stands for (parsed JSON), or an Error naming `source` (e.g. `context "reelflow:catalogue"`,
 * `REELFLOW_CATALOGUE (./catalogue.json)`) and listing every problem.
 */
export function parseCatalogue(value: unknown, source: string): Catalogue {
  const result = catalogueSchema().safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => describeIssue(issue, value));
  return fail(`${source} is not a valid model catalogue (docs/CATALOGUE.md): ${problems.join('; ')}`);
}

/** parseCatalogue of JSON text. */
export function parseCatalogueJson(json: string, source: string): Catalogue {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    return fail(`${source} is not valid JSON: ${(error as Error).message}`);
  }
  return parseCatalogue(value, source);
}

function fail(message: string): never {
  throw new Error(message);
}

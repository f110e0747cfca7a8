import * as z from 'zod/mini';
import { lazy } from '../lazy';
import { parseCatalogueJson } from './schema';

/**
 * MODEL_CATALOGUE: the deployment's model catalogue as JSON, which infra sets from the CDK context
 * `reelflow:catalogue` (or the default catalogue) on every function that reads it, checked there at synth and parsed
 * again here at cold start.
 */
export const catalogueEnvSchema = lazy(() =>
  z.object({
    MODEL_CATALOGUE: z.pipe(
      z.string({ error: 'MODEL_CATALOGUE is required: the model catalogue as JSON (infra sets it)' }),
      z.transform((json, ctx) => {
        try {
          return parseCatalogueJson(json, 'MODEL_CATALOGUE');
        } catch (error) {
          ctx.issues.push({ code: 'custom', message: (error as Error).message, input: json });
          return z.NEVER;
        }
      }),
    ),
  }),
);

export type CatalogueEnv = z.input<ReturnType<typeof catalogueEnvSchema>>;

import * as z from 'zod/mini';
import { lazy } from '../lazy';

/*
 * The schemas of the API as a whole rather than of one domain: the error envelope every failure answers with and
 * the health check. Getters built on first use (shared/lazy.ts), like every shared schema.
 */

/** The error envelope every failure answers with. */
export const errorEnvelopeSchema = lazy(() =>
  z.object({
    error: z.object({
      type: z.string(),
      code: z.string(),
      message: z.string(),
      param: z.nullable(z.string()),
      request_id: z.nullable(z.string()),
    }),
  }),
);

export type ErrorEnvelope = z.output<ReturnType<typeof errorEnvelopeSchema>>;

/** The answer of `GET /v1/health`. */
export const healthSchema = lazy(() => z.object({ status: z.literal('ok') }).check(z.describe('The service is up')));

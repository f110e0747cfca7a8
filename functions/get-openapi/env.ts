import * as z from 'zod/mini';

/** GET /v1/openapi.json reads nothing: the document is the same whatever the deployment's catalogue. */
export const getOpenApiEnvSchema = z.object({});
export type GetOpenApiEnv = z.input<typeof getOpenApiEnvSchema>;

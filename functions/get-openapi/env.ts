import * as z from 'zod/mini';
import { modelsEnvSchema } from '../../shared/config';

/** GET /v1/openapi.json: the model allowlist (the document lists the deployment's models). */
export const getOpenApiEnvSchema = z.object({ ...modelsEnvSchema().shape });
export type GetOpenApiEnv = z.input<typeof getOpenApiEnvSchema>;

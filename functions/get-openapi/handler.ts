import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { parseEnv } from '../../shared/config';
import { httpApi } from '../../shared/http/api-middlewares';
import { httpErrorEnvelope } from '../../shared/http/error-envelope';
import { json } from '../../shared/http/responses';
import type { ApiEvent, ApiResult } from '../../shared/http/types';
import { logger, metrics } from '../../shared/observability/powertools';
import { getOpenApiEnvSchema } from './env';
import { openApiProvider } from './get-openapi';

// Fails at cold start on a misconfigured environment, as every function does.
parseEnv(getOpenApiEnvSchema);

const getOpenApi = openApiProvider();

/** GET /v1/openapi.json (no auth) → 200 the OpenAPI 3.1 document. */
export const handler = middy<ApiEvent, ApiResult>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(httpApi({ logger, auth: false }))
  .use(httpErrorEnvelope({ logger }))
  .handler(async () => json(200, getOpenApi()));

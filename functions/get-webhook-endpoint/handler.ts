import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { ddb } from '../../shared/aws/dynamodb';
import { parseEnv } from '../../shared/config';
import { httpApi } from '../../shared/http/api-middlewares';
import { httpErrorEnvelope } from '../../shared/http/error-envelope';
import { json } from '../../shared/http/responses';
import type { ApiContext, ApiEvent, ApiResult } from '../../shared/http/types';
import { logger, metrics } from '../../shared/observability/powertools';
import { DynamoWebhookEndpoints } from '../../shared/webhooks/endpoints';
import { getWebhookEndpointEnvSchema } from './env';
import { type GetWebhookEndpointDeps, getWebhookEndpoint } from './get-webhook-endpoint';
import { parseGetWebhookEndpointRequest } from './schema';

const env = parseEnv(getWebhookEndpointEnvSchema);

const deps: GetWebhookEndpointDeps = { endpoints: new DynamoWebhookEndpoints(ddb, env.TABLE_NAME) };

/** GET /v1/webhook_endpoints/{id} → 200 the endpoint (never its secret). */
export const handler = middy<ApiEvent, ApiResult, Error, ApiContext>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(httpApi({ logger }))
  .use(httpErrorEnvelope({ logger }))
  .handler(async (event, context) =>
    json(200, await getWebhookEndpoint(parseGetWebhookEndpointRequest(event, context.caller), deps)),
  );

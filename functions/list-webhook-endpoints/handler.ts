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
import { listWebhookEndpointsEnvSchema } from './env';
import { type ListWebhookEndpointsDeps, listWebhookEndpoints } from './list-webhook-endpoints';
import { parseListWebhookEndpointsRequest } from './schema';

const env = parseEnv(listWebhookEndpointsEnvSchema);

const deps: ListWebhookEndpointsDeps = { endpoints: new DynamoWebhookEndpoints(ddb, env.TABLE_NAME) };

/** GET /v1/webhook_endpoints → 200 a page of the caller's endpoints. */
export const handler = middy<ApiEvent, ApiResult, Error, ApiContext>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(httpApi({ logger }))
  .use(httpErrorEnvelope({ logger }))
  .handler(async (event, context) =>
    json(200, await listWebhookEndpoints(parseListWebhookEndpointsRequest(event, context.caller), deps)),
  );

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
import { type CreateWebhookEndpointDeps, createWebhookEndpoint } from './create-webhook-endpoint';
import { createWebhookEndpointEnvSchema } from './env';
import { parseCreateWebhookEndpointRequest } from './schema';

const env = parseEnv(createWebhookEndpointEnvSchema);

const deps: CreateWebhookEndpointDeps = {
  endpoints: new DynamoWebhookEndpoints(ddb, env.TABLE_NAME),
  urlPolicy: { allowLocalHosts: env.WEBHOOK_URL_ALLOW_LOCAL_HOSTS },
  maxEndpoints: env.WEBHOOK_MAX_ENDPOINTS,
  clock: () => new Date(),
  logger,
};

/** POST /v1/webhook_endpoints → 201 the endpoint with its signing secret (shown this once). */
export const handler = middy<ApiEvent, ApiResult, Error, ApiContext>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(httpApi({ logger, jsonBody: true }))
  .use(httpErrorEnvelope({ logger }))
  .handler(async (event, context) =>
    json(201, await createWebhookEndpoint(parseCreateWebhookEndpointRequest(event, context.caller), deps)),
  );

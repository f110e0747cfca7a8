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
import { rotateWebhookSecretEnvSchema } from './env';
import { type RotateWebhookSecretDeps, rotateWebhookSecret } from './rotate-webhook-secret';
import { parseRotateWebhookSecretRequest } from './schema';

const env = parseEnv(rotateWebhookSecretEnvSchema);

const deps: RotateWebhookSecretDeps = {
  endpoints: new DynamoWebhookEndpoints(ddb, env.TABLE_NAME),
  clock: () => new Date(),
  logger,
};

/** POST /v1/webhook_endpoints/{id}/rotate_secret → 200 the endpoint with its new secret. */
export const handler = middy<ApiEvent, ApiResult, Error, ApiContext>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(httpApi({ logger, jsonBody: 'optional' }))
  .use(httpErrorEnvelope({ logger }))
  .handler(async (event, context) =>
    json(200, await rotateWebhookSecret(parseRotateWebhookSecretRequest(event, context.caller), deps)),
  );

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
import { DynamoWebhookDeliveryLog } from '../../shared/webhooks/deliveries';
import { DynamoWebhookEndpoints } from '../../shared/webhooks/endpoints';
import { listWebhookDeliveriesEnvSchema } from './env';
import { type ListWebhookDeliveriesDeps, listWebhookDeliveries } from './list-webhook-deliveries';
import { parseListWebhookDeliveriesRequest } from './schema';

const env = parseEnv(listWebhookDeliveriesEnvSchema);

const deps: ListWebhookDeliveriesDeps = {
  endpoints: new DynamoWebhookEndpoints(ddb, env.TABLE_NAME),
  deliveries: new DynamoWebhookDeliveryLog(ddb, env.TABLE_NAME),
};

/** GET /v1/webhook_endpoints/{id}/deliveries → 200 a page of the endpoint's deliveries, newest first. */
export const handler = middy<ApiEvent, ApiResult, Error, ApiContext>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(httpApi({ logger }))
  .use(httpErrorEnvelope({ logger }))
  .handler(async (event, context) =>
    json(200, await listWebhookDeliveries(parseListWebhookDeliveriesRequest(event, context.caller), deps)),
  );

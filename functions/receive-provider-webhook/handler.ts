import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { ddb } from '../../shared/aws/dynamodb';
import { sfn } from '../../shared/aws/sfn';
import { parseEnv } from '../../shared/config';
import { httpApi } from '../../shared/http/api-middlewares';
import { httpErrorEnvelope } from '../../shared/http/error-envelope';
import { json } from '../../shared/http/responses';
import type { ApiEvent, ApiResult } from '../../shared/http/types';
import { DynamoReleaser } from '../../shared/money/release';
import { logger, metrics } from '../../shared/observability/powertools';
import { providerAdapterFromEnv } from '../../shared/provider/adapters';
import { providerGateFromEnv } from '../../shared/provider/gate/from-env';
import { GatedVideoProvider } from '../../shared/provider/gate/gated-provider';
import { DynamoProviderCallbackStore } from '../../shared/provider/webhooks/callback-store';
import { sfnTaskCallbacks } from '../../shared/provider/webhooks/resume-execution';
import { webhookSecretResolver } from '../../shared/provider/webhooks/signature';
import { DynamoVideoRepository } from '../../shared/video/repository';
import { receiveProviderWebhookEnvSchema } from './env';
import { type ReceiveProviderWebhookDeps, receiveProviderWebhook } from './receive-provider-webhook';
import { parseProviderWebhookRequest } from './schema';

const env = parseEnv(receiveProviderWebhookEnvSchema);
const provider = providerAdapterFromEnv(env, { metrics });

const deps: ReceiveProviderWebhookDeps = {
  webhookSecret: webhookSecretResolver({
    secretArn: env.PROVIDER_SECRET_ARN,
    maxAgeSeconds: env.PROVIDER_SECRET_MAX_AGE_SECONDS,
  }),
  store: new DynamoProviderCallbackStore(ddb, env.TABLE_NAME),
  videos: new DynamoVideoRepository(ddb, env.TABLE_NAME),
  heldCancels: new DynamoReleaser(ddb, env.TABLE_NAME),
  // Its read of the job counts against the provider's per-minute limit like every other request: without a token it
  // sends nothing to the provider and wakes the waiting execution instead, whose poll reads the job (outcome `woken`).
  provider: new GatedVideoProvider(provider, providerGateFromEnv(env, ddb)),
  callbacks: sfnTaskCallbacks(sfn),
  clock: () => new Date(),
  logger,
  metrics,
};

/** POST /v1/provider/webhooks (no JWT: the Standard Webhooks signature is the authentication) → 200 receipt. */
export const handler = middy<ApiEvent, ApiResult>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(httpApi({ logger, auth: false }))
  .use(httpErrorEnvelope({ logger }))
  .handler(async (event) =>
    json(
      200,
      await receiveProviderWebhook(
        parseProviderWebhookRequest(
          event as Parameters<typeof parseProviderWebhookRequest>[0],
          provider.webhooks?.headers,
        ),
        deps,
      ),
    ),
  );

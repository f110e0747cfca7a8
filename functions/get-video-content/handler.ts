import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { ddb } from '../../shared/aws/dynamodb';
import { s3Addressing } from '../../shared/aws/s3-addressing';
import { parseEnv } from '../../shared/config';
import { httpApi } from '../../shared/http/api-middlewares';
import { httpErrorEnvelope } from '../../shared/http/error-envelope';
import { redirect } from '../../shared/http/responses';
import type { ApiContext, ApiEvent, ApiResult } from '../../shared/http/types';
import { logger, metrics } from '../../shared/observability/powertools';
import { S3ContentUrlSigner } from '../../shared/storage/content-signer';
import { DynamoVideoRepository } from '../../shared/video/repository';
import { getVideoContentEnvSchema } from './env';
import { type GetVideoContentDeps, getVideoContent } from './get-video-content';
import { parseGetVideoContentRequest } from './schema';

const env = parseEnv(getVideoContentEnvSchema);

const deps: GetVideoContentDeps = {
  videos: new DynamoVideoRepository(ddb, env.TABLE_NAME),
  signer: new S3ContentUrlSigner(s3Addressing()),
  bucket: env.BUCKET_NAME,
  urlTtlSeconds: env.CONTENT_URL_TTL_SECONDS,
};

/** GET /v1/videos/{id}/content → 302 to a presigned S3 URL. */
export const handler = middy<ApiEvent, ApiResult, Error, ApiContext>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(httpApi({ logger }))
  .use(httpErrorEnvelope({ logger }))
  .handler(async (event, context) =>
    redirect(await getVideoContent(parseGetVideoContentRequest(event, context.caller), deps)),
  );

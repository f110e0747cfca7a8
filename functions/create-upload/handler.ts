import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { ddb } from '../../shared/aws/dynamodb';
import { s3Addressing } from '../../shared/aws/s3-addressing';
import { parseEnv } from '../../shared/config';
import { httpApi } from '../../shared/http/api-middlewares';
import { httpErrorEnvelope } from '../../shared/http/error-envelope';
import { json } from '../../shared/http/responses';
import type { ApiContext, ApiEvent, ApiResult } from '../../shared/http/types';
import { logger, metrics } from '../../shared/observability/powertools';
import { DynamoMinuteRate } from '../../shared/rates/minute-rate';
import { S3ContentUrlSigner } from '../../shared/storage/content-signer';
import { type CreateUploadDeps, createUpload } from './create-upload';
import { createUploadEnvSchema } from './env';
import { parseCreateUploadRequest } from './schema';

const env = parseEnv(createUploadEnvSchema);

const deps: CreateUploadDeps = {
  signer: new S3ContentUrlSigner(s3Addressing()),
  bucket: env.BUCKET_NAME,
  rate: new DynamoMinuteRate(ddb, env.TABLE_NAME),
  uploadsPerMinute: env.UPLOADS_PER_MINUTE,
  clock: () => new Date(),
  logger,
  metrics,
};

/** POST /v1/uploads `{"bytes": n}` → 201 an upload id and its presigned PUT URL for n bytes. */
export const handler = middy<ApiEvent, ApiResult, Error, ApiContext>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(httpApi({ logger, jsonBody: 'optional' }))
  .use(httpErrorEnvelope({ logger }))
  .handler(async (event, context) => {
    return json(201, await createUpload(context.caller, parseCreateUploadRequest(event), deps));
  });

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { ddb } from '../../shared/aws/dynamodb';
import { s3Addressing } from '../../shared/aws/s3-addressing';
import { parseEnv } from '../../shared/config';
import { httpApi } from '../../shared/http/api-middlewares';
import { httpErrorEnvelope } from '../../shared/http/error-envelope';
import { DynamoIdempotencyRecords } from '../../shared/http/idempotency-records';
import { json } from '../../shared/http/responses';
import type { ApiContext, ApiEvent, ApiResult } from '../../shared/http/types';
import { DynamoReconcileQueue } from '../../shared/money/reconciliation';
import { logger, metrics } from '../../shared/observability/powertools';
import { S3ContentUrlSigner } from '../../shared/storage/content-signer';
import { PresignedS3Objects } from '../../shared/storage/presigned-objects';
import { DynamoVideoRepository } from '../../shared/video/repository';
import { type DeleteVideoDeps, deleteVideo } from './delete-video';
import { deleteVideoEnvSchema } from './env';
import { parseDeleteVideoRequest } from './schema';

const env = parseEnv(deleteVideoEnvSchema);

const deps: DeleteVideoDeps = {
  videos: new DynamoVideoRepository(ddb, env.TABLE_NAME),
  // DeleteObject by presigned request: the function does not bundle the S3 client.
  storage: new PresignedS3Objects(new S3ContentUrlSigner(s3Addressing())),
  idempotencyRecords: new DynamoIdempotencyRecords(ddb, env.IDEMPOTENCY_TABLE_NAME),
  queue: new DynamoReconcileQueue(ddb, env.TABLE_NAME),
  bucket: env.BUCKET_NAME,
  clock: () => new Date(),
  logger,
  metrics,
};

/** DELETE /v1/videos/{id} → 200 `{id, object: "video.deleted", deleted: true}`. */
export const handler = middy<ApiEvent, ApiResult, Error, ApiContext>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(httpApi({ logger }))
  .use(httpErrorEnvelope({ logger }))
  .handler(async (event, context) =>
    json(200, await deleteVideo(parseDeleteVideoRequest(event, context.caller), deps)),
  );

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { videoAdmissionDeps } from '../../shared/admission/aws-wiring';
import { s3Addressing } from '../../shared/aws/s3-addressing';
import { parseEnv } from '../../shared/config';
import { httpApi } from '../../shared/http/api-middlewares';
import { httpErrorEnvelope } from '../../shared/http/error-envelope';
import { parseMultipart } from '../../shared/http/multipart';
import { json } from '../../shared/http/responses';
import type { ApiContext, ApiEvent, ApiResult } from '../../shared/http/types';
import { guardedFetch } from '../../shared/net/ssrf-guard';
import { logger, metrics } from '../../shared/observability/powertools';
import { S3ContentUrlSigner } from '../../shared/storage/content-signer';
import { PresignedS3Objects } from '../../shared/storage/presigned-objects';
import { readUpload } from '../../shared/storage/uploads';
import { type CreateVideoDeps, createVideo } from './create-video';
import { createVideoEnvSchema } from './env';
import { createVideoRequestParser } from './schema';

const env = parseEnv(createVideoEnvSchema);

/** An image_url must answer within this time (the function has 15 s in all). */
const IMAGE_URL_TIMEOUT_MS = 8000;
const IMAGE_ACCEPT = { accept: 'image/jpeg, image/png, image/webp' };

const allowPrivateHosts = env.IMAGE_URL_ALLOW_PRIVATE_HOSTS.split(',').filter((host) => host !== '');
// Reference images only: presigned requests, so the function does not bundle the S3 client.
const objects = new PresignedS3Objects(new S3ContentUrlSigner(s3Addressing()));

const deps: CreateVideoDeps = {
  ...videoAdmissionDeps(env),
  images: {
    readUpload: (userId, fileId, maxBytes) =>
      readUpload(objects, env.BUCKET_NAME, { userId, fileId, maxBytes, now: new Date() }),
    fetchUrl: (url, maxBytes) =>
      guardedFetch(url, { maxBytes, timeoutMs: IMAGE_URL_TIMEOUT_MS, allowPrivateHosts, headers: IMAGE_ACCEPT }),
  },
  objects,
  storage: objects,
  bucket: env.BUCKET_NAME,
};
const parse = createVideoRequestParser({ catalogue: env.MODEL_CATALOGUE });

/**
 * POST /v1/videos (JSON, or multipart/form-data as the `openai` SDK sends it) → 202 video with Location; with an
 * Idempotency-Key, a repeat returns the first response.
 */
export const handler = middy<ApiEvent, ApiResult, Error, ApiContext>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(httpApi({ logger, jsonBody: true, multipart: parseMultipart }))
  .use(httpErrorEnvelope({ logger }))
  .handler(async (event, context) => {
    const video = await createVideo(parse(event, context.caller), deps, context);
    return json(202, video, { location: `/v1/videos/${video.id}` });
  });

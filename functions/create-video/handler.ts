import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { videoAdmissionDeps } from '../../shared/admission/aws-wiring';
import { parseEnv } from '../../shared/config';
import { httpApi } from '../../shared/http/api-middlewares';
import { httpErrorEnvelope } from '../../shared/http/error-envelope';
import { parseMultipart } from '../../shared/http/multipart';
import { json } from '../../shared/http/responses';
import type { ApiContext, ApiEvent, ApiResult } from '../../shared/http/types';
import { logger, metrics, tracer } from '../../shared/powertools';
import { type CreateVideoDeps, createVideo } from './create-video';
import { createVideoEnvSchema } from './env';
import { createVideoRequestParser } from './schema';

const env = parseEnv(createVideoEnvSchema);

const deps: CreateVideoDeps = videoAdmissionDeps(env);
const parse = createVideoRequestParser({ allowedModels: env.ALLOWED_MODELS });

/**
 * POST /v1/videos (JSON, or multipart/form-data as the `openai` SDK sends it) → 202 video with Location; with an
 * Idempotency-Key, a repeat returns the first response.
 */
export const handler = middy<ApiEvent, ApiResult, Error, ApiContext>()
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(httpApi({ logger, jsonBody: true, multipart: parseMultipart }))
  .use(httpErrorEnvelope({ logger }))
  .handler(async (event, context) => {
    const video = await createVideo(parse(event, context.caller), deps, context);
    return json(202, video, { location: `/v1/videos/${video.id}` });
  });

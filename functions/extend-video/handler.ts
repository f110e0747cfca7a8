import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { videoAdmissionDeps } from '../../shared/admission/aws-wiring';
import { parseEnv } from '../../shared/config';
import { httpApi } from '../../shared/http/api-middlewares';
import { httpErrorEnvelope } from '../../shared/http/error-envelope';
import { parseMultipart } from '../../shared/http/multipart';
import { json } from '../../shared/http/responses';
import type { ApiContext, ApiEvent, ApiResult } from '../../shared/http/types';
import { logger, metrics } from '../../shared/observability/powertools';
import { extendVideoEnvSchema } from './env';
import { type ExtendVideoDeps, extendVideo } from './extend-video';
import { parseExtendVideoRequest } from './schema';

const env = parseEnv(extendVideoEnvSchema);

const deps: ExtendVideoDeps = videoAdmissionDeps(env);

/** POST /v1/videos/extensions (JSON or multipart/form-data) → 202 the new video with Location. */
export const handler = middy<ApiEvent, ApiResult, Error, ApiContext>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(httpApi({ logger, jsonBody: true, multipart: parseMultipart }))
  .use(httpErrorEnvelope({ logger }))
  .handler(async (event, context) => {
    const video = await extendVideo(parseExtendVideoRequest(event, context.caller), deps, context);
    return json(202, video, { location: `/v1/videos/${video.id}` });
  });

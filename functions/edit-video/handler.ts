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
import { type EditVideoDeps, editVideo } from './edit-video';
import { editVideoEnvSchema } from './env';
import { parseEditVideoRequest } from './schema';

const env = parseEnv(editVideoEnvSchema);

const deps: EditVideoDeps = videoAdmissionDeps(env);

/** POST /v1/videos/edits (JSON or multipart/form-data) → 202 the new video with Location. */
export const handler = middy<ApiEvent, ApiResult, Error, ApiContext>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(httpApi({ logger, jsonBody: true, multipart: parseMultipart }))
  .use(httpErrorEnvelope({ logger }))
  .handler(async (event, context) => {
    const video = await editVideo(parseEditVideoRequest(event, context.caller), deps, context);
    return json(202, video, { location: `/v1/videos/${video.id}` });
  });

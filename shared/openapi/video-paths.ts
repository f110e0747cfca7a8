/* The video routes of the OpenAPI document (assembled in document.ts). */
import { MAX_UPLOAD_BYTES } from '../http/limits';
import { contentQuerySchema, listVideosQuerySchema } from '../video/schemas';
import {
  ERRORS,
  errorResponse,
  IDEMPOTENCY_KEY,
  type Json,
  jsonBody,
  jsonContent,
  jsonOrFormBody,
  LOCATION,
  MONEY_ERRORS,
  PUBLIC,
  queryParameters,
  ref,
  tooManyRequests,
  VIDEO_ID,
} from './parts';

/** What a remix, an edit and an extension answer: a new video, or why not. */
const DERIVED_VIDEO_RESPONSES: Json = {
  202: { description: 'Accepted', headers: LOCATION, content: jsonContent(ref('Video')) },
  400: ERRORS[400],
  401: ERRORS[401],
  ...MONEY_ERRORS,
  404: ERRORS[404],
  409: errorResponse(
    'video_not_ready (the source is not completed), idempotency_key_reused, or invalid_state while a ' +
      'request with the same key runs',
  ),
  413: ERRORS[413],
  415: ERRORS[415],
  default: ERRORS.default,
};

/** The paths of the API (the route table in infra/api-routes.ts), described with the component schemas. */
export function videoPaths(): Json {
  return {
    '/v1/health': {
      get: {
        operationId: 'getHealth',
        summary: 'Liveness check (no auth)',
        ...PUBLIC,
        responses: { 200: { description: 'Up', content: jsonContent(ref('Health')) }, default: ERRORS.default },
      },
    },
    '/v1/openapi.json': {
      get: {
        operationId: 'getOpenApi',
        summary: 'This document (no auth)',
        ...PUBLIC,
        responses: {
          200: { description: 'The OpenAPI 3.1 document', content: jsonContent({ type: 'object' }) },
          default: ERRORS.default,
        },
      },
    },
    '/v1/videos': {
      post: {
        operationId: 'createVideo',
        summary: 'Create a video from a prompt; starts one pipeline execution named after the video id',
        parameters: [IDEMPOTENCY_KEY],
        requestBody: jsonOrFormBody('CreateVideoRequest', ['metadata', 'input_reference']),
        responses: {
          202: { description: 'Accepted', headers: LOCATION, content: jsonContent(ref('Video')) },
          400: ERRORS[400],
          401: ERRORS[401],
          ...MONEY_ERRORS,
          409: errorResponse('idempotency_key_reused, or invalid_state while a request with the same key runs'),
          413: ERRORS[413],
          415: ERRORS[415],
          default: ERRORS.default,
        },
      },
      get: {
        operationId: 'listVideos',
        summary:
          'The caller’s videos, newest first; pass a page’s last_id (as the openai SDK does) or next_cursor as after',
        parameters: queryParameters(listVideosQuerySchema()),
        responses: {
          200: { description: 'A page of videos', content: jsonContent(ref('VideoList')) },
          400: ERRORS[400],
          401: ERRORS[401],
          default: ERRORS.default,
        },
      },
    },
    '/v1/videos/{id}': {
      get: {
        operationId: 'getVideo',
        summary: 'One of the caller’s videos',
        description:
          'While the pipeline waits for the provider’s webhook, `progress` is read from the provider through a short cache (12 s with the default provider limits); without a provider request to spare, the last stored progress.',
        parameters: [VIDEO_ID],
        responses: {
          200: { description: 'The video', content: jsonContent(ref('Video')) },
          400: ERRORS[400],
          401: ERRORS[401],
          404: ERRORS[404],
          default: ERRORS.default,
        },
      },
      delete: {
        operationId: 'deleteVideo',
        summary:
          'Delete a finished video: its stored objects, prompt and metadata go (also from the stored answer of the ' +
          'Idempotency-Key that made it, which then answers 409 idempotency_key_reused), and the provider’s copy of ' +
          'its job is deleted in the background once the job has ended (a slow or down provider never fails the ' +
          'delete); its cost records stay; it answers 404 afterwards',
        parameters: [VIDEO_ID],
        responses: {
          200: { description: 'Deleted', content: jsonContent(ref('DeletedVideo')) },
          400: ERRORS[400],
          401: ERRORS[401],
          404: ERRORS[404],
          409: errorResponse('invalid_state: the video is not finished (queued, in_progress or storing)'),
          default: ERRORS.default,
        },
      },
    },
    '/v1/videos/{id}/content': {
      get: {
        operationId: 'getVideoContent',
        summary: 'Download a completed video or one of its previews',
        parameters: [VIDEO_ID, ...queryParameters(contentQuerySchema())],
        responses: {
          302: {
            description: 'Redirect to a presigned URL that expires in at most 15 minutes',
            headers: { location: { description: 'The presigned URL', schema: { type: 'string' } } },
          },
          400: ERRORS[400],
          401: ERRORS[401],
          404: ERRORS[404],
          409: errorResponse('video_not_ready: the video is not completed'),
          default: ERRORS.default,
        },
      },
    },
    '/v1/videos/{id}/remix': {
      post: {
        operationId: 'remixVideo',
        summary: 'A new video remixing one of the caller’s completed videos with a new prompt',
        description:
          'Model, size and seconds are the source’s (an extended source’s stitched length, all of which the ' +
          'provider regenerates); priced and reserved like a create for those seconds.',
        parameters: [VIDEO_ID, IDEMPOTENCY_KEY],
        requestBody: jsonOrFormBody('RemixVideoRequest', []),
        responses: DERIVED_VIDEO_RESPONSES,
      },
    },
    '/v1/videos/edits': {
      post: {
        operationId: 'editVideo',
        summary: 'A new video editing one of the caller’s completed videos (OpenAI’s videos.edit)',
        description:
          'video is {"id": ...} of the caller’s completed video (video[id] in a form); an uploaded video file is a ' +
          '400 on video. Model, size and seconds are the source’s (an extended source’s stitched length, all of ' +
          'which the provider regenerates); priced and reserved like a create for those seconds.',
        parameters: [IDEMPOTENCY_KEY],
        requestBody: jsonOrFormBody('EditVideoRequest', ['video']),
        responses: DERIVED_VIDEO_RESPONSES,
      },
    },
    '/v1/videos/extensions': {
      post: {
        operationId: 'extendVideo',
        summary: 'A new video extending one of the caller’s completed videos (OpenAI’s videos.extend)',
        description:
          'The new video lasts the source’s seconds (stitched, for an extended source) plus seconds (at most 20; ' +
          '400 on seconds beyond), and is priced ' +
          'and reserved for the extension’s seconds: what the provider generates. Model and size are the source’s.',
        parameters: [IDEMPOTENCY_KEY],
        requestBody: jsonOrFormBody('ExtendVideoRequest', ['video']),
        responses: DERIVED_VIDEO_RESPONSES,
      },
    },
    '/v1/videos/characters': {
      post: {
        operationId: 'createVideoCharacter',
        summary: 'Not supported: answers 404 not_found saying so (OpenAI’s videos.createCharacter)',
        responses: {
          401: ERRORS[401],
          404: errorResponse('not_found: characters are not supported'),
          default: ERRORS.default,
        },
      },
    },
    '/v1/videos/characters/{id}': {
      get: {
        operationId: 'getVideoCharacter',
        summary: 'Not supported: answers 404 not_found saying so (OpenAI’s videos.getCharacter)',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          401: ERRORS[401],
          404: errorResponse('not_found: characters are not supported'),
          default: ERRORS.default,
        },
      },
    },
    '/v1/videos/{id}/cancel': {
      post: {
        operationId: 'cancelVideo',
        summary: 'Cancel a video that is not finished: it answers cancelled at once and its execution is stopped',
        description:
          'While no provider job can exist (no create sent yet, or every create refused), the reserved budget is ' +
          'released at once and charged_micros is 0. Once the provider accepted the job, or while a create is in ' +
          'flight (sent, its answer not recorded yet), the video answers cancelled at once with charged_micros null ' +
          'and frees its max_active slot, but its reservation stays committed (reserved_micros in GET /v1/usage) ' +
          'while reelflow finds the job if needed and asks the provider to stop it: if the provider finished and ' +
          'billed it anyway, the video is charged its price once (charged_micros, a ledger entry of kind ' +
          'cancelled_charge, cancelled_charged_micros in usage); if the job failed or was deleted before completing, ' +
          'an in-flight create made no job (the provider lists none, or, where it cannot list, none is named within ' +
          'an hour), or no outcome comes within the follow-up window, ' +
          'it is charged 0 (a job turning up after that is a provider cost, never charged). The cancel itself never ' +
          'waits for the provider.',
        parameters: [VIDEO_ID],
        requestBody: jsonBody('CancelVideoRequest', false),
        responses: {
          200: { description: 'The cancelled video', content: jsonContent(ref('Video')) },
          400: ERRORS[400],
          401: ERRORS[401],
          404: ERRORS[404],
          409: errorResponse('invalid_state: the video is already completed, failed or cancelled'),
          413: ERRORS[413],
          415: ERRORS[415],
          default: ERRORS.default,
        },
      },
    },
    '/v1/uploads': {
      post: {
        operationId: 'createUpload',
        summary:
          'A presigned upload for a reference image over the inline limit: PUT the image to upload_url with the ' +
          'answer’s headers (its Content-Length is the bytes asked for; S3 refuses another), then create with ' +
          'input_reference {"file_id": id} within 24 hours (1 byte to 50 MiB; type and size checked on use)',
        requestBody: jsonBody('CreateUploadRequest'),
        responses: {
          201: { description: 'The upload id and where to PUT the image', content: jsonContent(ref('Upload')) },
          400: errorResponse(
            `missing_parameter or invalid_parameter (param bytes: an integer from 1 to ${MAX_UPLOAD_BYTES}), or invalid_json`,
          ),
          401: ERRORS[401],
          413: ERRORS[413],
          415: ERRORS[415],
          429: tooManyRequests('rate_limited: more upload URLs this minute than the per-user rate allows'),
          default: ERRORS.default,
        },
      },
    },
  };
}

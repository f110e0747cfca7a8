/* The operator routes of the OpenAPI document (assembled in document.ts). */
import { adminVideosQuerySchema } from '../operators/schemas';
import { ERRORS, errorResponse, type Json, jsonContent, queryParameters, ref, VIDEO_ID } from './parts';

/** The operators' routes (role operators). */
export function operatorPaths(): Json {
  const forbidden = errorResponse('forbidden: the caller lacks the operators role');
  return {
    '/v1/admin/videos': {
      get: {
        operationId: 'listAdminVideos',
        summary: 'Videos of every user in one status, or one user’s videos, newest first (role operators)',
        description:
          'Give status (every user’s videos now in it), user_id, or both; neither is 400 missing_parameter. Pass ' +
          'next_cursor back as after for the next page.',
        parameters: queryParameters(adminVideosQuerySchema()),
        responses: {
          200: { description: 'A page of videos, each with its user_id', content: jsonContent(ref('AdminVideoList')) },
          400: ERRORS[400],
          401: ERRORS[401],
          403: forbidden,
          default: ERRORS.default,
        },
      },
    },
    '/v1/admin/videos/{id}/execution': {
      get: {
        operationId: 'getVideoExecution',
        summary: 'The video’s pipeline execution as a timeline of its states (role operators)',
        description:
          'Every state visit in the order entered (the poll loop and a redrive enter states again), with start, ' +
          'end, duration, task attempts, retries, outcome and the last error; computed from Step Functions’ ' +
          'execution history.',
        parameters: [VIDEO_ID],
        responses: {
          200: { description: 'The execution', content: jsonContent(ref('VideoExecution')) },
          401: ERRORS[401],
          403: forbidden,
          404: errorResponse('not_found: no such video, or it has no execution (its start failed)'),
          default: ERRORS.default,
        },
      },
    },
    '/v1/admin/videos/{id}/redrive': {
      post: {
        operationId: 'redriveVideo',
        summary: 'Continue a failed execution from the step it failed in (role operators; audited)',
        description:
          'Only for an execution that FAILED outside its Catch path (it never reached VideoFailed, e.g. ' +
          'RecordFailure ran out of retries) whose video is still unsettled. Anything else answers 409 ' +
          'invalid_state with the reason: running, succeeded, timed out or stopped executions, one that ended in ' +
          'VideoFailed (its video was settled as failed; a redrive would fail again), or a video settled since. ' +
          'The redrive is recorded in the audit trail (GET /v1/admin/audit).',
        parameters: [VIDEO_ID],
        responses: {
          202: { description: 'Redriven: the execution runs again', content: jsonContent(ref('VideoRedrive')) },
          401: ERRORS[401],
          403: forbidden,
          404: ERRORS[404],
          409: errorResponse(
            'invalid_state: the execution is not one a redrive helps or is safe for (the message says why)',
          ),
          default: ERRORS.default,
        },
      },
    },
  };
}

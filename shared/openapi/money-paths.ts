/* The money routes of the OpenAPI document (assembled in document.ts). */
import { auditQuerySchema, costsQuerySchema, usageQuerySchema } from '../money/schemas';
import { ERRORS, errorResponse, type Json, jsonBody, jsonContent, queryParameters, ref } from './parts';

const USER_ID: Json = {
  name: 'userId',
  in: 'path',
  required: true,
  description: 'The user id (the token `sub` of that user)',
  schema: { type: 'string', minLength: 1, maxLength: 128 },
};

/** The usage and finance routes (quotas, budgets and costs; schemas of shared/money). */
export function moneyPaths(): Json {
  const limits = {
    200: { description: 'The user’s effective limits', content: jsonContent(ref('UserLimits')) },
    400: ERRORS[400],
    401: ERRORS[401],
    403: ERRORS[403],
    default: ERRORS.default,
  };
  return {
    '/v1/usage': {
      get: {
        operationId: 'getUsage',
        summary: 'The caller’s usage, reservations and limits in a month',
        parameters: queryParameters(usageQuerySchema()),
        responses: {
          200: { description: 'Usage', content: jsonContent(ref('Usage')) },
          400: ERRORS[400],
          401: ERRORS[401],
          default: ERRORS.default,
        },
      },
    },
    '/v1/admin/costs': {
      get: {
        operationId: 'getCosts',
        summary: 'Costs per user in a month, or one user’s ledger; JSON or CSV (role finance)',
        parameters: queryParameters(costsQuerySchema()),
        responses: {
          200: {
            description: 'The cost report',
            content: { 'application/json': { schema: { type: 'object' } }, 'text/csv': { schema: { type: 'string' } } },
          },
          400: ERRORS[400],
          401: ERRORS[401],
          403: ERRORS[403],
          default: ERRORS.default,
        },
      },
    },
    '/v1/admin/users/{userId}': {
      delete: {
        operationId: 'eraseUser',
        summary:
          'Erase a user’s data: videos, prompts, metadata, stored objects, uploads, provider copies (role finance)',
        description:
          'Answers 202 with the erasure; the work is done in the background and retried until done. The user’s ' +
          'unfinished videos are cancelled first under the cancel rules (a video the provider had accepted, or whose ' +
          'create was in flight, is still charged its price if the provider finished and billed it); then every video is deleted as DELETE ' +
          '/v1/videos/{id} deletes one, and every stored object and upload of the user goes. The ledger, usage, ' +
          'provider costs and audit trail keep their amounts. Audited (`user.erased`: caller, user, request id, ' +
          'time). Calling again is harmless: it answers the erasure as it stands (`status` pending or completed); ' +
          'only a user who has videos again after a completed erasure gets a new one. Nobody erases their own data ' +
          '(403 forbidden).',
        parameters: [USER_ID],
        responses: {
          202: { description: 'The erasure and how far it got', content: jsonContent(ref('UserErasure')) },
          400: ERRORS[400],
          401: ERRORS[401],
          403: errorResponse('forbidden: the caller lacks the finance role, or the data is the caller’s own'),
          default: ERRORS.default,
        },
      },
    },
    '/v1/admin/users/{userId}/limits': {
      get: {
        operationId: 'getUserLimits',
        summary: 'A user’s limits (role finance)',
        parameters: [USER_ID],
        responses: limits,
      },
      put: {
        operationId: 'putUserLimits',
        summary: 'Override any subset of a user’s limits; applies to the next create (role finance)',
        description:
          'Audited: the change and its audit record (caller, old and new values, request id) are written in one ' +
          'transaction. A caller cannot change their own limits (403 forbidden).',
        parameters: [USER_ID],
        requestBody: jsonBody('UserLimitsUpdate'),
        responses: {
          ...limits,
          403: errorResponse('forbidden: the caller lacks the finance role, or the limits are the caller’s own'),
          413: ERRORS[413],
          415: ERRORS[415],
        },
      },
    },
    '/v1/admin/audit': {
      get: {
        operationId: 'listAuditRecords',
        summary: 'Audit records of changes to users’ limits and of redrives, newest first (role finance or operators)',
        description:
          'With user_id: the records about that user (every month, or only month). Without: every user’s records ' +
          'of month (default the current UTC month). Finance reads every record; an operator only the records of ' +
          'their own actions. Pass next_cursor back as after for the next page.',
        parameters: queryParameters(auditQuerySchema()),
        responses: {
          200: { description: 'A page of audit records', content: jsonContent(ref('AuditList')) },
          400: ERRORS[400],
          401: ERRORS[401],
          403: errorResponse('forbidden: the caller has neither the finance nor the operators role'),
          default: ERRORS.default,
        },
      },
    },
  };
}

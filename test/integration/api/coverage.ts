import { expect } from 'vitest';
import type { ContractClient } from './contract';

/*
 * API coverage of the black-box suite. The HTTP contract's error table and route table are listed below; every (status, code)
 * of the table must either be produced by a black-box file (listed in EXPECTED_REPLIES, checked in that file's
 * afterAll against what its contract client saw) or be listed in NOT_PRODUCIBLE_LOCALLY with the reason, and
 * coverage.test.ts checks that the lists are complete. Test files run in separate workers, so each file checks its
 * own replies; the union is checked statically. A new code or route of the contract must be added and classified here.
 */

/** A reply as the coverage lists name it: `METHOD /template status code` (`-` when the reply has no error code). */
export type ReplyKey = string;

/** The contract's error envelope table, `status code` ("5xx": internal_error is 500, provider_unavailable is 503). */
export const API_ERROR_CODES: readonly string[] = [
  '400 invalid_json',
  '400 invalid_parameter',
  '400 missing_parameter',
  '401 unauthenticated',
  '402 budget_exceeded',
  '403 forbidden',
  '404 not_found',
  '409 video_not_ready',
  '409 invalid_state',
  '409 idempotency_key_reused',
  '409 limit_exceeded',
  '413 payload_too_large',
  '415 unsupported_media_type',
  '429 rate_limited',
  '429 quota_exceeded',
  '500 internal_error',
  '503 provider_unavailable',
];

/** The contract's route table: each route's success status, and whether it needs a bearer token. */
export const API_ROUTES: ReadonlyArray<{ route: string; success: number; authenticated: boolean }> = [
  { route: 'GET /v1/health', success: 200, authenticated: false },
  { route: 'GET /v1/openapi.json', success: 200, authenticated: false },
  { route: 'POST /v1/videos', success: 202, authenticated: true },
  { route: 'GET /v1/videos/{id}', success: 200, authenticated: true },
  { route: 'GET /v1/videos', success: 200, authenticated: true },
  { route: 'GET /v1/videos/{id}/content', success: 302, authenticated: true },
  { route: 'POST /v1/videos/{id}/remix', success: 202, authenticated: true },
  { route: 'POST /v1/videos/edits', success: 202, authenticated: true },
  { route: 'POST /v1/videos/extensions', success: 202, authenticated: true },
  // OpenAI's characters: not supported, so the route's only answer is 404 saying so.
  { route: 'POST /v1/videos/characters', success: 404, authenticated: true },
  { route: 'GET /v1/videos/characters/{id}', success: 404, authenticated: true },
  { route: 'POST /v1/videos/{id}/cancel', success: 200, authenticated: true },
  { route: 'DELETE /v1/videos/{id}', success: 200, authenticated: true },
  { route: 'POST /v1/uploads', success: 201, authenticated: true },
  { route: 'GET /v1/usage', success: 200, authenticated: true },
  { route: 'GET /v1/admin/costs', success: 200, authenticated: true },
  { route: 'GET /v1/admin/users/{userId}/limits', success: 200, authenticated: true },
  { route: 'PUT /v1/admin/users/{userId}/limits', success: 200, authenticated: true },
  { route: 'GET /v1/admin/audit', success: 200, authenticated: true },
  { route: 'DELETE /v1/admin/users/{userId}', success: 202, authenticated: true },
  { route: 'GET /v1/admin/videos', success: 200, authenticated: true },
  { route: 'GET /v1/admin/videos/{id}/execution', success: 200, authenticated: true },
  { route: 'POST /v1/admin/videos/{id}/redrive', success: 202, authenticated: true },
  { route: 'POST /v1/webhook_endpoints', success: 201, authenticated: true },
  { route: 'GET /v1/webhook_endpoints', success: 200, authenticated: true },
  { route: 'GET /v1/webhook_endpoints/{id}', success: 200, authenticated: true },
  { route: 'DELETE /v1/webhook_endpoints/{id}', success: 200, authenticated: true },
  { route: 'POST /v1/webhook_endpoints/{id}/rotate_secret', success: 200, authenticated: true },
  { route: 'GET /v1/webhook_endpoints/{id}/deliveries', success: 200, authenticated: true },
  // Signed by the provider (Standard Webhooks), no bearer token: its 401 is a missing, stale or wrong signature.
  { route: 'POST /v1/provider/webhooks', success: 200, authenticated: false },
];

/** Codes of the contract the service cannot produce against the local stack, and why. */
export const NOT_PRODUCIBLE_LOCALLY: Readonly<Record<string, string>> = {
  '429 rate_limited':
    'API Gateway stage throttling answers it in AWS, before any function runs; the local API server has no ' +
    'throttle, and the only 429 a function throws is QuotaExceededError (quota_exceeded).',
  '503 provider_unavailable':
    'thrown only by RetryableProviderError and DownloadInterruptedError, in the pipeline task handlers ' +
    '(create-generation-job, poll-generation-job, store-video) and the reconciler, which Step Functions retries; ' +
    'no API route function calls the provider, so no HTTP answer carries it.',
};

/** What each black-box file must see (its afterAll calls expectCovered). */
export const EXPECTED_REPLIES = {
  audit: [
    'GET /v1/admin/audit 200 -',
    'GET /v1/admin/audit 400 invalid_parameter',
    'GET /v1/admin/audit 401 unauthenticated',
    'GET /v1/admin/audit 403 forbidden',
    'GET /v1/admin/users/{userId}/limits 200 -',
    'PUT /v1/admin/users/{userId}/limits 200 -',
    'PUT /v1/admin/users/{userId}/limits 403 forbidden',
  ],
  erasure: [
    'DELETE /v1/admin/users/{userId} 202 -',
    'DELETE /v1/admin/users/{userId} 401 unauthenticated',
    'DELETE /v1/admin/users/{userId} 403 forbidden',
    'GET /v1/admin/audit 200 -',
    'GET /v1/admin/costs 200 -',
    'GET /v1/videos 200 -',
    'GET /v1/videos/{id} 200 -',
    'GET /v1/videos/{id} 404 not_found',
    'POST /v1/uploads 201 -',
    'POST /v1/videos 202 -',
    'POST /v1/videos/{id}/remix 202 -',
  ],
  errors: [
    'DELETE /v1/videos/{id} 401 unauthenticated',
    'DELETE /v1/videos/{id} 404 not_found',
    'GET /v1/admin/costs 200 -',
    'GET /v1/admin/costs 401 unauthenticated',
    'GET /v1/admin/costs 403 forbidden',
    'GET /v1/admin/users/{userId}/limits 200 -',
    'GET /v1/admin/users/{userId}/limits 401 unauthenticated',
    'GET /v1/admin/users/{userId}/limits 403 forbidden',
    'GET /v1/usage 401 unauthenticated',
    'GET /v1/videos 200 -',
    'GET /v1/videos 400 invalid_parameter',
    'GET /v1/videos 401 unauthenticated',
    'GET /v1/videos/{id} 200 -',
    'GET /v1/videos/{id} 401 unauthenticated',
    'GET /v1/videos/{id} 404 not_found',
    'GET /v1/videos/{id}/content 401 unauthenticated',
    'GET /v1/videos/{id}/content 404 not_found',
    'POST /v1/videos 202 -',
    'POST /v1/videos 400 invalid_json',
    'POST /v1/videos 400 invalid_parameter',
    'POST /v1/videos 400 missing_parameter',
    'POST /v1/videos 401 unauthenticated',
    'POST /v1/videos 402 budget_exceeded',
    'POST /v1/videos 413 payload_too_large',
    'POST /v1/videos 415 unsupported_media_type',
    'POST /v1/videos 429 quota_exceeded',
    'POST /v1/videos 500 internal_error',
    'POST /v1/videos/{id}/cancel 400 invalid_json',
    'POST /v1/videos/{id}/cancel 400 invalid_parameter',
    'POST /v1/videos/{id}/cancel 401 unauthenticated',
    'POST /v1/videos/{id}/cancel 404 not_found',
    'POST /v1/videos/{id}/cancel 413 payload_too_large',
    'POST /v1/videos/{id}/cancel 415 unsupported_media_type',
    'POST /v1/videos/{id}/remix 400 invalid_json',
    'POST /v1/videos/{id}/remix 400 invalid_parameter',
    'POST /v1/videos/{id}/remix 400 missing_parameter',
    'POST /v1/videos/{id}/remix 401 unauthenticated',
    'POST /v1/videos/{id}/remix 404 not_found',
    'POST /v1/videos/{id}/remix 413 payload_too_large',
    'POST /v1/videos/{id}/remix 415 unsupported_media_type',
    'PUT /v1/admin/users/{userId}/limits 200 -',
    'PUT /v1/admin/users/{userId}/limits 400 invalid_json',
    'PUT /v1/admin/users/{userId}/limits 400 invalid_parameter',
    'PUT /v1/admin/users/{userId}/limits 401 unauthenticated',
    'PUT /v1/admin/users/{userId}/limits 403 forbidden',
    'PUT /v1/admin/users/{userId}/limits 413 payload_too_large',
    'PUT /v1/admin/users/{userId}/limits 415 unsupported_media_type',
  ],
  idempotency: [
    'GET /v1/videos 200 -',
    'GET /v1/videos/{id} 200 -',
    'POST /v1/videos 202 -',
    'POST /v1/videos 409 idempotency_key_reused',
    'POST /v1/videos/{id}/remix 202 -',
    'POST /v1/videos/{id}/remix 404 not_found',
    'POST /v1/videos/{id}/remix 409 idempotency_key_reused',
  ],
  isolation: [
    'DELETE /v1/videos/{id} 404 not_found',
    'GET /v1/videos 200 -',
    'GET /v1/videos 400 invalid_parameter',
    'GET /v1/videos/{id} 200 -',
    'GET /v1/videos/{id} 404 not_found',
    'GET /v1/videos/{id}/content 302 -',
    'GET /v1/videos/{id}/content 404 not_found',
    'POST /v1/videos 202 -',
    'POST /v1/videos/{id}/cancel 404 not_found',
    'POST /v1/videos/{id}/remix 404 not_found',
  ],
  openapi: ['GET /v1/health 200 -', 'GET /v1/openapi.json 200 -'],
  operators: [
    'GET /v1/admin/audit 200 -',
    'GET /v1/admin/videos 200 -',
    'GET /v1/admin/videos 400 invalid_parameter',
    'GET /v1/admin/videos 400 missing_parameter',
    'GET /v1/admin/videos 401 unauthenticated',
    'GET /v1/admin/videos 403 forbidden',
    'GET /v1/admin/videos/{id}/execution 200 -',
    'GET /v1/admin/videos/{id}/execution 401 unauthenticated',
    'GET /v1/admin/videos/{id}/execution 403 forbidden',
    'GET /v1/admin/videos/{id}/execution 404 not_found',
    'GET /v1/videos/{id} 200 -',
    'POST /v1/admin/videos/{id}/redrive 202 -',
    'POST /v1/admin/videos/{id}/redrive 401 unauthenticated',
    'POST /v1/admin/videos/{id}/redrive 403 forbidden',
    'POST /v1/admin/videos/{id}/redrive 404 not_found',
    'POST /v1/admin/videos/{id}/redrive 409 invalid_state',
    'POST /v1/videos 202 -',
    'POST /v1/videos/{id}/cancel 200 -',
  ],
  'openai-sdk': [
    'DELETE /v1/videos/{id} 200 -',
    'GET /v1/usage 200 -',
    'GET /v1/videos 200 -',
    'GET /v1/videos 400 invalid_parameter',
    'GET /v1/videos/{id} 200 -',
    'GET /v1/videos/{id} 404 not_found',
    'GET /v1/videos/{id}/content 302 -',
    'POST /v1/videos 202 -',
    'POST /v1/videos 400 invalid_parameter',
    'POST /v1/videos 400 missing_parameter',
    'POST /v1/videos 409 idempotency_key_reused',
    'POST /v1/videos 413 payload_too_large',
    'POST /v1/videos/{id}/remix 202 -',
    'POST /v1/videos/edits 202 -',
    'POST /v1/videos/edits 400 invalid_parameter',
    'POST /v1/videos/edits 401 unauthenticated',
    'POST /v1/videos/edits 404 not_found',
    'POST /v1/videos/extensions 202 -',
    'POST /v1/videos/extensions 400 invalid_parameter',
    'POST /v1/videos/extensions 401 unauthenticated',
    'POST /v1/videos/characters 401 unauthenticated',
    'POST /v1/videos/characters 404 not_found',
    'GET /v1/videos/characters/{id} 401 unauthenticated',
    'GET /v1/videos/characters/{id} 404 not_found',
    'POST /v1/uploads 201 -',
    'POST /v1/uploads 401 unauthenticated',
  ],
  'provider-webhooks': [
    'POST /v1/provider/webhooks 200 -',
    'POST /v1/provider/webhooks 400 invalid_json',
    'POST /v1/provider/webhooks 401 unauthenticated',
    'POST /v1/provider/webhooks 413 payload_too_large',
  ],
  retention: [
    'DELETE /v1/videos/{id} 200 -',
    'GET /v1/usage 200 -',
    'GET /v1/videos/{id} 200 -',
    'POST /v1/videos 202 -',
    'POST /v1/videos 409 idempotency_key_reused',
  ],
  webhooks: [
    'DELETE /v1/webhook_endpoints/{id} 200 -',
    'DELETE /v1/webhook_endpoints/{id} 401 unauthenticated',
    'DELETE /v1/webhook_endpoints/{id} 404 not_found',
    'GET /v1/videos/{id} 200 -',
    'GET /v1/webhook_endpoints 200 -',
    'GET /v1/webhook_endpoints 400 invalid_parameter',
    'GET /v1/webhook_endpoints 401 unauthenticated',
    'GET /v1/webhook_endpoints/{id} 200 -',
    'GET /v1/webhook_endpoints/{id} 401 unauthenticated',
    'GET /v1/webhook_endpoints/{id} 404 not_found',
    'GET /v1/webhook_endpoints/{id}/deliveries 200 -',
    'GET /v1/webhook_endpoints/{id}/deliveries 401 unauthenticated',
    'GET /v1/webhook_endpoints/{id}/deliveries 404 not_found',
    'POST /v1/videos 202 -',
    'POST /v1/videos/{id}/cancel 200 -',
    'POST /v1/webhook_endpoints 201 -',
    'POST /v1/webhook_endpoints 400 invalid_parameter',
    'POST /v1/webhook_endpoints 400 missing_parameter',
    'POST /v1/webhook_endpoints 401 unauthenticated',
    'POST /v1/webhook_endpoints 409 limit_exceeded',
    'POST /v1/webhook_endpoints/{id}/rotate_secret 200 -',
    'POST /v1/webhook_endpoints/{id}/rotate_secret 401 unauthenticated',
    'POST /v1/webhook_endpoints/{id}/rotate_secret 404 not_found',
  ],
  videos: [
    'DELETE /v1/videos/{id} 200 -',
    'DELETE /v1/videos/{id} 404 not_found',
    'DELETE /v1/videos/{id} 409 invalid_state',
    'GET /v1/usage 200 -',
    'GET /v1/videos 200 -',
    'GET /v1/videos/{id} 200 -',
    'GET /v1/videos/{id} 404 not_found',
    'GET /v1/videos/{id}/content 404 not_found',
    'GET /v1/videos/{id}/content 409 video_not_ready',
    'POST /v1/videos 202 -',
    'POST /v1/videos/{id}/cancel 200 -',
    'POST /v1/videos/{id}/cancel 404 not_found',
    'POST /v1/videos/{id}/cancel 409 invalid_state',
    'POST /v1/videos/{id}/remix 202 -',
    'POST /v1/videos/{id}/remix 402 budget_exceeded',
    'POST /v1/videos/{id}/remix 404 not_found',
    'POST /v1/videos/{id}/remix 409 video_not_ready',
    'POST /v1/videos/{id}/remix 429 quota_exceeded',
    'PUT /v1/admin/users/{userId}/limits 200 -',
  ],
} satisfies Record<string, readonly ReplyKey[]>;

/** The key of a reply the contract client checked. */
export function replyKey(reply: { method: string; template: string; status: number; code: string | null }): ReplyKey {
  return `${reply.method} ${reply.template} ${reply.status} ${reply.code ?? '-'}`;
}

/** Asserts that `api` saw every reply `file` is listed for. */
export function expectCovered(api: ContractClient, file: keyof typeof EXPECTED_REPLIES): void {
  const seen = new Set(api.seen.map(replyKey));
  const missing = EXPECTED_REPLIES[file].filter((key) => !seen.has(key));
  expect(missing, `replies ${file}.test.ts must produce; it saw: ${[...seen].sort().join('; ')}`).toEqual([]);
}

import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../../infra/api-routes';
import { API_ERROR_CODES, API_ROUTES, EXPECTED_REPLIES, NOT_PRODUCIBLE_LOCALLY } from './coverage';

// The black-box suite's coverage lists are complete: every code and route of the HTTP contract is produced by some file (each
// file checks its own list in its afterAll) or is listed as not producible locally, with the reason.
const expected = new Set(Object.values(EXPECTED_REPLIES).flat());
const expectedOf = (route: string, statusAndCode: string) => expected.has(`${route} ${statusAndCode}`);

describe('black-box API coverage', () => {
  it('returns every status and code of the contract as produced by a file or as not producible locally, never both', () => {
    for (const statusAndCode of API_ERROR_CODES) {
      const produced = [...expected].some((key) => key.endsWith(` ${statusAndCode}`));
      const excused = statusAndCode in NOT_PRODUCIBLE_LOCALLY;

      expect({ statusAndCode, produced, excused }).toEqual({ statusAndCode, produced: !excused, excused });
    }
    for (const statusAndCode of Object.keys(NOT_PRODUCIBLE_LOCALLY)) expect(API_ERROR_CODES).toContain(statusAndCode);
  });

  it('returns every route of the deployed route table in the route list of the contract', () => {
    expect(ROUTES.map((route) => `${route.method} ${route.path}`).sort()).toEqual(
      API_ROUTES.map(({ route }) => route).sort(),
    );
  });

  it('expects each route’s success, 401 on every authenticated route and 404 on every route with a video id', () => {
    const missing: string[] = [];
    for (const { route, success, authenticated } of API_ROUTES) {
      // A route whose success is a 404 (not supported) answers it with its code.
      const successReply = success === 404 ? '404 not_found' : `${success} -`;
      if (!expectedOf(route, successReply)) missing.push(`${route} ${successReply}`);
      if (authenticated && !expectedOf(route, '401 unauthenticated')) missing.push(`${route} 401 unauthenticated`);
      if (route.includes('{id}') && !expectedOf(route, '404 not_found')) missing.push(`${route} 404 not_found`);
    }

    expect(missing).toEqual([]);
  });

  it('expects the route-specific codes the contract names', () => {
    const named = [
      'GET /v1/videos/{id}/content 409 video_not_ready',
      'POST /v1/videos/{id}/remix 409 video_not_ready',
      'POST /v1/videos/{id}/cancel 409 invalid_state',
      'DELETE /v1/videos/{id} 409 invalid_state',
      'POST /v1/videos 409 idempotency_key_reused',
      'POST /v1/videos 402 budget_exceeded',
      'POST /v1/videos 429 quota_exceeded',
      'GET /v1/admin/costs 403 forbidden',
      'GET /v1/admin/users/{userId}/limits 403 forbidden',
      'PUT /v1/admin/users/{userId}/limits 403 forbidden',
      'GET /v1/admin/audit 403 forbidden',
      'GET /v1/admin/videos 403 forbidden',
      'GET /v1/admin/videos 400 missing_parameter',
      'GET /v1/admin/videos/{id}/execution 403 forbidden',
      'POST /v1/webhook_endpoints 400 invalid_parameter',
      'POST /v1/admin/videos/{id}/redrive 403 forbidden',
      'POST /v1/admin/videos/{id}/redrive 409 invalid_state',
      ...['POST /v1/videos', 'POST /v1/videos/{id}/remix', 'POST /v1/videos/{id}/cancel'].flatMap((route) => [
        `${route} 400 invalid_json`,
        `${route} 413 payload_too_large`,
        `${route} 415 unsupported_media_type`,
      ]),
      'PUT /v1/admin/users/{userId}/limits 400 invalid_json',
      'PUT /v1/admin/users/{userId}/limits 413 payload_too_large',
      'PUT /v1/admin/users/{userId}/limits 415 unsupported_media_type',
    ];

    expect(named.filter((key) => !expected.has(key))).toEqual([]);
  });
});

import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConflictError, RetryableProviderError } from '../../../shared/errors';
import { httpApi } from '../../../shared/http/api-middlewares';
import { callerFrom } from '../../../shared/http/caller';
import { errorResponse, httpErrorEnvelope } from '../../../shared/http/error-envelope';
import { parseRequest } from '../../../shared/http/parse-request';
import { json } from '../../../shared/http/responses';
import { errorEnvelopeSchema } from '../../../shared/http/schemas';
import type { ApiContext, ApiEvent, ApiResult } from '../../../shared/http/types';
import { fakeLogger } from '../fakes/fakes';

const context = { awsRequestId: 'lambda-1', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

function anEvent(overrides: Record<string, unknown> = {}): ApiEvent {
  return {
    version: '2.0',
    routeKey: 'POST /v1/things',
    rawPath: '/v1/things',
    headers: { 'content-type': 'application/json' },
    requestContext: {
      requestId: 'req-123',
      http: { method: 'POST', path: '/v1/things' },
      authorizer: { jwt: { claims: { sub: 'alice', token_use: 'access' }, scopes: [] } },
    },
    isBase64Encoded: false,
    ...overrides,
  } as unknown as ApiEvent;
}

function aHandler(run: (event: ApiEvent, context: ApiContext) => Promise<ApiResult>, logger = fakeLogger()) {
  return middy<ApiEvent, ApiResult, Error, ApiContext>()
    .use(httpApi({ logger, jsonBody: true }))
    .use(httpErrorEnvelope({ logger }))
    .handler(run);
}

function envelopeOf(result: ApiResult) {
  return errorEnvelopeSchema().parse(JSON.parse(String(result.body)));
}

describe('api-middlewares (request id, JSON body)', () => {
  it('returns the parsed body, the caller and x-request-id when the request is valid JSON', async () => {
    // Prepare
    const handler = aHandler(async (event, ctx) => json(200, { body: event.body, caller: ctx.caller }));

    // Act
    const result = await handler(anEvent({ body: '{"prompt":"hi"}' }), context as ApiContext);

    // Assess
    expect(result.statusCode).toBe(200);
    expect(result.headers['x-request-id']).toBe('req-123');
    expect(JSON.parse(String(result.body))).toEqual({
      body: { prompt: 'hi' },
      caller: { userId: 'alice', groups: [] },
    });
  });

  it('returns 415 unsupported_media_type when a JSON route gets another content type', async () => {
    // Prepare
    const handler = aHandler(async () => json(200, {}));

    // Act
    const result = await handler(
      anEvent({ headers: { 'Content-Type': 'text/plain' }, body: 'hi' }),
      context as ApiContext,
    );

    // Assess
    expect(result.statusCode).toBe(415);
    expect(envelopeOf(result).error).toMatchObject({ code: 'unsupported_media_type', request_id: 'req-123' });
    expect(result.headers['x-request-id']).toBe('req-123');
  });

  it('returns 400 invalid_json when the body is not JSON', async () => {
    // Prepare
    const handler = aHandler(async () => json(200, {}));

    // Act
    const result = await handler(anEvent({ body: '{"prompt":' }), context as ApiContext);

    // Assess
    expect(result.statusCode).toBe(400);
    expect(envelopeOf(result).error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_json' });
  });

  it('returns 400 invalid_json when a JSON route gets no body', async () => {
    // Prepare
    const handler = aHandler(async () => json(200, {}));

    // Act
    const result = await handler(anEvent(), context as ApiContext);

    // Assess
    expect(result.statusCode).toBe(400);
    expect(envelopeOf(result).error.code).toBe('invalid_json');
  });

  it('returns 413 payload_too_large when the body is over 64 KiB, base64 or not', async () => {
    // Prepare
    const handler = aHandler(async () => json(200, {}));
    const big = JSON.stringify({ prompt: 'x'.repeat(65 * 1024) });

    // Act
    const plain = await handler(anEvent({ body: big }), context as ApiContext);
    const encoded = await handler(
      anEvent({ body: Buffer.from(big).toString('base64'), isBase64Encoded: true }),
      context as ApiContext,
    );

    // Assess
    expect(plain.statusCode).toBe(413);
    expect(encoded.statusCode).toBe(413);
    expect(envelopeOf(plain).error.code).toBe('payload_too_large');
  });
});

describe('caller', () => {
  it('returns 401 unauthenticated when the claims have no sub', async () => {
    // Prepare
    const handler = aHandler(async () => json(200, {}));

    // Act
    const result = await handler(
      anEvent({ requestContext: { requestId: 'req-9', http: { method: 'POST', path: '/v1/things' } } }),
      context as ApiContext,
    );

    // Assess
    expect(result.statusCode).toBe(401);
    expect(envelopeOf(result).error).toMatchObject({ type: 'authentication_error', code: 'unauthenticated' });
  });

  it.each([
    ['an ID token', 'id'],
    ['a token without token_use', undefined],
  ])('returns 401 unauthenticated and never runs the handler for %s', async (_label, tokenUse) => {
    // Prepare
    let ran = false;
    const handler = aHandler(async () => {
      ran = true;
      return json(200, {});
    });
    const claims = tokenUse === undefined ? { sub: 'alice' } : { sub: 'alice', token_use: tokenUse };

    // Act
    const result = await handler(
      anEvent({
        body: '{}',
        requestContext: { requestId: 'req-1', authorizer: { jwt: { claims } }, http: { method: 'POST', path: '/' } },
      }),
      context as ApiContext,
    );

    // Assess
    expect(result.statusCode).toBe(401);
    expect(envelopeOf(result).error.code).toBe('unauthenticated');
    expect(ran).toBe(false);
  });

  it('returns an undefined body when the JSON body is optional and none is sent, and still parses one that is', async () => {
    // Prepare
    const logger = fakeLogger();
    const handler = middy<ApiEvent, ApiResult, Error, ApiContext>()
      .use(httpApi({ logger, jsonBody: 'optional' }))
      .use(httpErrorEnvelope({ logger }))
      .handler(async (event) => json(200, { body: event.body ?? 'none' }));

    // Act
    const none = await handler(anEvent({ headers: {} }), context as ApiContext);
    const some = await handler(anEvent({ body: '{"a":1}' }), context as ApiContext);
    const broken = await handler(anEvent({ body: '{"a":' }), context as ApiContext);

    // Assess
    expect(JSON.parse(String(none.body))).toEqual({ body: 'none' });
    expect(JSON.parse(String(some.body))).toEqual({ body: { a: 1 } });
    expect(broken.statusCode).toBe(400);
    expect(envelopeOf(broken).error.code).toBe('invalid_json');
  });

  it('returns the groups when cognito:groups is flattened by API Gateway', () => {
    // Act
    const caller = callerFrom({
      requestContext: {
        authorizer: { jwt: { claims: { sub: 'u1', token_use: 'access', 'cognito:groups': '[finance operators]' } } },
      },
    });

    // Assess
    expect(caller).toEqual({ userId: 'u1', groups: ['finance', 'operators'] });
  });
});

describe('error-envelope', () => {
  it('returns 400 naming param when the handler validation fails', async () => {
    // Prepare
    const schema = z.strictObject({ prompt: z.string() });
    const handler = aHandler(async (event) => json(200, parseRequest(schema, event.body)));

    // Act
    const result = await handler(anEvent({ body: '{"prompt":"x","extra":true}' }), context as ApiContext);

    // Assess
    expect(result.statusCode).toBe(400);
    expect(envelopeOf(result)).toEqual({
      error: {
        type: 'invalid_request_error',
        code: 'invalid_parameter',
        message: "Unknown parameter: 'extra'",
        param: 'extra',
        request_id: 'req-123',
      },
    });
  });

  it('returns 500 internal_error without detail and logs it when an unexpected error is thrown', async () => {
    // Prepare
    const logger = fakeLogger();
    const handler = aHandler(async () => {
      throw new Error('db password is hunter2');
    }, logger);

    // Act
    const result = await handler(anEvent({ body: '{}' }), context as ApiContext);

    // Assess
    expect(result.statusCode).toBe(500);
    expect(envelopeOf(result).error).toEqual({
      type: 'api_error',
      code: 'internal_error',
      message: 'An internal error occurred',
      param: null,
      request_id: 'req-123',
    });
    expect(String(result.body)).not.toContain('hunter2');
    expect(String(result.body)).not.toContain('at ');
    expect(logger.error).toHaveBeenCalledOnce();
  });

  it('returns the AppError status and code when one is thrown', async () => {
    // Act
    const { response } = errorResponse(new ConflictError('not yet', 'video_not_ready'), 'req-1');

    // Assess
    expect(response.statusCode).toBe(409);
    expect(JSON.parse(String(response.body))).toEqual({
      error: {
        type: 'invalid_request_error',
        code: 'video_not_ready',
        message: 'not yet',
        param: null,
        request_id: 'req-1',
      },
    });
  });

  it('returns retry-after and hides provider detail when a provider error reaches the API', async () => {
    // Act
    const { response } = errorResponse(
      new RetryableProviderError('Provider create answered 503: upstream secret detail', { retryAfterSeconds: 7 }),
      'req-1',
    );

    // Assess
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('7');
    expect(String(response.body)).not.toContain('secret detail');
    expect(JSON.parse(String(response.body)).error.code).toBe('provider_unavailable');
  });
});

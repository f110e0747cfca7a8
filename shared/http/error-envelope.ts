import type { MiddlewareObj, Request } from '@middy/core';
import { $ZodError } from 'zod/v4/core';
import { AppError, type ErrorType } from '../errors';
import type { AppLogger } from '../observability/powertools';
import { toValidationError } from './parse-request';
import { requestIdOf } from './request-id';
import type { ErrorEnvelope } from './schemas';
import type { ApiResult } from './types';

const TYPE_BY_STATUS: Record<number, ErrorType> = {
  401: 'authentication_error',
  403: 'permission_error',
  429: 'rate_limit_error',
};

const CODE_BY_STATUS: Record<number, string> = {
  400: 'invalid_parameter',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

/** The response for an error: AppError → its status/code; ZodError → 400 naming `param`; anything else → 500. */
export function errorResponse(error: unknown, requestId: string | null): { response: ApiResult; unexpected: boolean } {
  const known = toKnownError(error);
  const status = known?.status ?? 500;
  const body: ErrorEnvelope = {
    error: {
      type: known?.type ?? 'api_error',
      code: known?.code ?? 'internal_error',
      message: known?.message ?? 'An internal error occurred',
      param: known?.param ?? null,
      request_id: requestId,
    },
  };
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  if (known?.retryAfterSeconds !== undefined) headers['retry-after'] = String(known.retryAfterSeconds);
  return { response: { statusCode: status, headers, body: JSON.stringify(body) }, unexpected: known === undefined };
}

interface KnownError {
  status: number;
  type: string;
  code: string;
  message: string;
  param: string | null;
  retryAfterSeconds?: number | undefined;
}

function toKnownError(error: unknown): KnownError | undefined {
  if (error instanceof $ZodError) return toKnownError(toValidationError(error));
  if (error instanceof AppError) {
    // 5xx AppErrors (provider trouble) keep their code but never expose internal detail.
    const message = error.status >= 500 ? 'The service is temporarily unavailable' : error.message;
    return { ...pick(error), message };
  }
  // Errors from maintained middy middlewares (@middy/util createError) carry statusCode and expose.
  const http = error as { statusCode?: unknown; expose?: unknown; message?: unknown } | null;
  if (typeof http?.statusCode === 'number' && http.statusCode >= 400 && http.statusCode < 500 && http.expose === true) {
    return {
      status: http.statusCode,
      type: TYPE_BY_STATUS[http.statusCode] ?? 'invalid_request_error',
      code: CODE_BY_STATUS[http.statusCode] ?? 'invalid_parameter',
      message: typeof http.message === 'string' ? http.message : 'Invalid request',
      param: null,
    };
  }
  return undefined;
}

function pick(error: AppError): KnownError {
  return {
    status: error.status,
    type: error.type,
    code: error.code,
    message: error.message,
    param: error.param,
    retryAfterSeconds: error.retryAfterSeconds,
  };
}

/**
 * Turns any error into the API's envelope `{error:{type,code,message,param,request_id}}`. Unexpected errors
 * answer 500 `internal_error` without stack or detail, and are logged. Register it last (its `onError` runs first).
 * Written here because @middy/http-error-handler's body is plain text, not this envelope.
 */
export function httpErrorEnvelope(options: { logger: Pick<AppLogger, 'error' | 'warn'> }): MiddlewareObj {
  return {
    onError: async (request: Request) => {
      const { response, unexpected } = errorResponse(request.error, requestIdOf(request.event));
      if (unexpected) {
        options.logger.error('Unhandled error', request.error as Error);
      } else if (response.statusCode >= 500) {
        options.logger.warn('Request failed', request.error as Error);
      }
      request.response = response;
    },
  };
}

import type { MiddlewareObj, Request } from '@middy/core';
import type { AppLogger } from '../observability/powertools';

/** The API Gateway request id of an event (what clients see as `x-request-id`). */
export function requestIdOf(event: unknown): string | null {
  const id = (event as { requestContext?: { requestId?: unknown } } | undefined)?.requestContext?.requestId;
  return typeof id === 'string' && id.length > 0 ? id : null;
}

/**
 * Puts `x-request-id` (API Gateway's requestContext.requestId) on every response, success or error, and on every
 * log line. Register it before the error envelope so its `onError` runs after the envelope built the response.
 * Written here because no maintained middy middleware does this.
 */
export function httpRequestId(options: { logger?: Pick<AppLogger, 'appendKeys'> } = {}): MiddlewareObj {
  const addHeader = async (request: Request) => {
    const id = requestIdOf(request.event);
    const response = request.response as { headers?: Record<string, unknown> } | undefined;
    if (id === null || response === undefined || response === null || typeof response !== 'object') return;
    response.headers = { ...(response.headers ?? {}), 'x-request-id': id };
  };
  return {
    before: async (request) => {
      const id = requestIdOf(request.event);
      if (id !== null) options.logger?.appendKeys({ requestId: id });
    },
    after: addHeader,
    onError: addHeader,
  };
}

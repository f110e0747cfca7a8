import type { MiddlewareObj } from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { AppLogger } from '../observability/powertools';
import { httpCaller } from './caller';
import { httpRequestBody, type RequestBodyOptions } from './request-body';
import { httpRequestId } from './request-id';

/**
 * The HTTP middlewares every API route uses, in their fixed order (after tracer, logger, metrics; before the
 * error envelope): request id, lower-cased headers (maintained @middy/http-header-normalizer), the caller for
 * routes behind auth (401 before any body is looked at), and the body for routes that take one (JSON, and
 * multipart/form-data where `multipart` is set).
 *
 * No @middy/http-cors: CORS is the HTTP API's (its CorsConfiguration, from infra's allowed origins). API Gateway
 * ignores CORS headers an integration returns when CORS is configured, so a function-level `*` would only be a
 * second, looser policy wherever that is not true (the local API server passes them through without an Origin).
 */
export function httpApi(options: {
  logger: Pick<AppLogger, 'appendKeys'>;
  /** true: the route takes a JSON body; 'optional': it may take one (none is fine). */
  jsonBody?: boolean | 'optional';
  /**
   * The body may also be multipart/form-data, parsed by this (shared/http/multipart's parseMultipart): routes the
   * `openai` SDK calls with a form (create, remix). Passed in so the other routes do not bundle busboy.
   */
  multipart?: RequestBodyOptions['multipart'];
  auth?: boolean;
}): MiddlewareObj[] {
  return [
    httpRequestId({ logger: options.logger }),
    httpHeaderNormalizer() as MiddlewareObj,
    ...(options.auth === false ? [] : [httpCaller() as MiddlewareObj]),
    ...(options.jsonBody === undefined || options.jsonBody === false
      ? []
      : [
          httpRequestBody({
            optional: options.jsonBody === 'optional',
            multipart: options.multipart,
          }) as MiddlewareObj,
        ]),
  ];
}

import type { MiddlewareObj } from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { AppLogger } from '../observability/powertools';
import { httpCaller } from './caller';
import { httpRequestBody, type RequestBodyOptions } from './request-body';
import { httpRequestId } from './request-id';

/**
 * The HTTP middlewares every API route uses, in their fixed order (after the logger and metrics; before the error
 * envelope): request id, lower-cased headers (@middy/http-header-normalizer), the caller for routes behind auth (401
 * before any body is looked at), and the body for routes that take one (JSON, and multipart/form-data where
 * `multipart` is set). Why no CORS middleware: docs/ARCHITECTURE.md, "The path of an HTTP request".
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

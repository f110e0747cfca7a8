import type { MiddlewareObj } from '@middy/core';
import httpCors from '@middy/http-cors';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { AppLogger } from '../powertools';
import { httpCaller } from './caller';
import { httpJsonBody } from './json-body';
import { httpRequestId } from './request-id';

/**
 * The HTTP middlewares every API route uses, in their fixed order (after tracer, logger, metrics; before the
 * error envelope): request id, CORS (maintained @middy/http-cors), lower-cased headers (maintained
 * @middy/http-header-normalizer), the caller for routes behind auth (401 before any body is looked at), and the JSON
 * body for routes that take one.
 */
export function httpApi(options: {
  logger: Pick<AppLogger, 'appendKeys'>;
  jsonBody?: boolean;
  auth?: boolean;
}): MiddlewareObj[] {
  return [
    httpRequestId({ logger: options.logger }),
    httpCors({ origin: '*', exposeHeaders: 'x-request-id, location, retry-after' }) as MiddlewareObj,
    httpHeaderNormalizer() as MiddlewareObj,
    ...(options.auth === false ? [] : [httpCaller() as MiddlewareObj]),
    ...(options.jsonBody === true ? [httpJsonBody() as MiddlewareObj] : []),
  ];
}

import type { MiddlewareObj } from '@middy/core';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../errors';
import { MAX_BODY_BYTES, MAX_INLINE_FILE_BYTES } from './limits';
import type { parseMultipart } from './multipart';

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;.*)?$/i;
const MULTIPART_MEDIA_TYPE = /^multipart\/form-data\s*(?:;.*)?$/i;

export interface RequestBodyOptions {
  /** @default MAX_BODY_BYTES */
  maxBytes?: number;
  /** @default MAX_INLINE_FILE_BYTES (shared/http/limits.ts) */
  maxFileBytes?: number;
  /** A request without a body passes with `body` undefined (routes whose body may be left out). */
  optional?: boolean;
  /**
   * Also accept multipart/form-data, as the `openai` SDK sends `videos.create`, parsed by this parser
   * (shared/http/multipart's parseMultipart). Passed in rather than imported, so only the routes that take a form
   * bundle it and busboy.
   */
  multipart?: typeof parseMultipart;
}

/**
 * Parses a request body into `event.body` (a base64-encoded one decoded first): JSON up to `maxBytes`, with `multipart`
 * also multipart/form-data; 413 over a limit, 400 `invalid_json` for a body that is not JSON (or none, unless
 * `optional`), 415 for any other type. Expects lower-cased headers (http-header-normalizer). The contract:
 * docs/BEHAVIOUR.md, "Request bodies"; why not middy's parsers: docs/ARCHITECTURE.md, "The path of an HTTP request".
 */
export function httpRequestBody(options: RequestBodyOptions = {}): MiddlewareObj<{
  body?: unknown;
  headers?: Record<string, string | undefined>;
  isBase64Encoded?: boolean;
}> {
  const maxBytes = options.maxBytes ?? MAX_BODY_BYTES;
  const maxFileBytes = options.maxFileBytes ?? MAX_INLINE_FILE_BYTES;
  const accepted = options.multipart !== undefined ? 'application/json or multipart/form-data' : 'application/json';
  return {
    before: async (request) => {
      const event = request.event;
      const raw = event.body;
      if (raw === undefined || raw === null || raw === '') {
        if (options.optional === true) {
          event.body = undefined;
          return;
        }
        throw new ValidationError('Request body must be a JSON object', null, 'invalid_json');
      }
      if (typeof raw !== 'string') return;
      const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
      const contentType = event.headers?.['content-type'] ?? '';
      if (options.multipart !== undefined && MULTIPART_MEDIA_TYPE.test(contentType)) {
        // Checked again part by part; this only spares parsing a body that cannot fit.
        if (bytes.byteLength > maxBytes + maxFileBytes) {
          throw new PayloadTooLargeError(`Request body must be at most ${maxBytes + maxFileBytes} bytes`);
        }
        event.body = await options.multipart(bytes, contentType, { maxFieldBytes: maxBytes, maxFileBytes });
        return;
      }
      if (bytes.byteLength > maxBytes) {
        throw new PayloadTooLargeError(`Request body must be at most ${maxBytes} bytes`);
      }
      if (!JSON_MEDIA_TYPE.test(contentType)) {
        throw new UnsupportedMediaTypeError(`Content-Type must be ${accepted}`);
      }
      try {
        event.body = JSON.parse(bytes.toString('utf8'));
      } catch (error) {
        throw Object.assign(new ValidationError('Request body is not valid JSON', null, 'invalid_json'), {
          cause: error,
        });
      }
    },
  };
}

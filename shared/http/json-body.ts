import type { MiddlewareObj } from '@middy/core';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../errors';

/** The largest request body the API accepts (64 KiB: a prompt and metadata fit many times over). */
export const MAX_BODY_BYTES = 64 * 1024;

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;.*)?$/i;

/**
 * Parses a JSON request body the way the HTTP contract specifies: over 64 KiB → 413 `payload_too_large`; a body with a
 * non-JSON content type → 415 `unsupported_media_type`; a body that is not JSON (or none) → 400 `invalid_json`.
 * Written here rather than using @middy/http-json-body-parser because that one answers malformed JSON with 415
 * (the contract answers 400 `invalid_json`) and has no size limit. Expects lower-cased headers (http-header-normalizer).
 * With `optional`, a request without a body passes with `body` undefined (routes whose body may be left out).
 */
export function httpJsonBody(options: { maxBytes?: number; optional?: boolean } = {}): MiddlewareObj<{
  body?: unknown;
  headers?: Record<string, string | undefined>;
  isBase64Encoded?: boolean;
}> {
  const maxBytes = options.maxBytes ?? MAX_BODY_BYTES;
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
      if (bytes.byteLength > maxBytes) {
        throw new PayloadTooLargeError(`Request body must be at most ${maxBytes} bytes`);
      }
      const contentType = event.headers?.['content-type'] ?? '';
      if (!JSON_MEDIA_TYPE.test(contentType)) {
        throw new UnsupportedMediaTypeError('Content-Type must be application/json');
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

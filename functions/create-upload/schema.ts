import { parseRequest } from '../../shared/http/parse-request';
import { type CreateUploadBody, createUploadBodySchema } from '../../shared/video/schemas';

/** The body `{"bytes": n}`; no body at all is a body without `bytes` (400 missing_parameter naming it). */
export function parseCreateUploadRequest(event: { body?: unknown }): CreateUploadBody {
  return parseRequest(createUploadBodySchema(), event.body ?? {});
}

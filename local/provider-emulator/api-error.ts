/**
 * Errors as the provider sends them: `{ error: { message, type, param, code } }` with an HTTP status.
 * This is the emulated provider's wire format, not reelflow's own error model (shared/errors.ts), which is why it
 * has its own small class: the `type` values (`requests`, `server_error`, ...) are the provider's.
 */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  readonly code: string | null;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    message: string,
    options: { type?: string; param?: string | null; code?: string | null; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.status = status;
    this.type = options.type ?? (status >= 500 ? 'server_error' : 'invalid_request_error');
    this.param = options.param ?? null;
    this.code = options.code ?? null;
    this.headers = options.headers ?? {};
  }

  toJSON(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export const invalidParam = (param: string, message: string, code = 'invalid_value'): ApiError =>
  new ApiError(400, message, { param, code });

export const missingParam = (param: string): ApiError =>
  new ApiError(400, `Missing required parameter: '${param}'.`, { param, code: 'missing_required_parameter' });

export const videoNotFound = (id: string): ApiError =>
  new ApiError(404, `Video with id '${id}' not found.`, { param: 'video_id', code: 'video_not_found' });

export const serverError = (status: 500 | 503): ApiError =>
  status === 503
    ? new ApiError(503, 'The server is overloaded or not ready yet.', {
        type: 'server_error',
        code: 'server_overloaded',
      })
    : new ApiError(500, 'The server had an error while processing your request. Sorry about that!', {
        type: 'server_error',
      });

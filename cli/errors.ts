export interface CliErrorDetails {
  /** The API's error code, e.g. `invalid_parameter`; absent for a failure to reach the API. */
  code?: string;
  status?: number;
  requestId?: string;
  /** The API could not be reached (refused, timed out, reset): trying again may help. */
  network?: boolean;
}

/** An error answer of the API (its error envelope), a failure to reach it, or a usage mistake. */
export class CliError extends Error {
  override name = 'CliError';
  readonly code: string | undefined;
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  readonly network: boolean;

  constructor(message: string, details: CliErrorDetails = {}) {
    super(message);
    this.code = details.code;
    this.status = details.status;
    this.requestId = details.requestId;
    this.network = details.network ?? false;
  }

  /** True when trying again later may succeed (429, 5xx, the network). */
  get retryable(): boolean {
    return this.network || this.status === 429 || (this.status !== undefined && this.status >= 500);
  }

  /** The one line the CLI prints: `error: <code>: <message> (request <id>)`. */
  toLine(): string {
    const code = this.code ? `${this.code}: ` : '';
    const request = this.requestId ? ` (request ${this.requestId})` : '';
    return `error: ${code}${this.message}${request}`;
  }
}

export function requestIdOf(response: Response): string | undefined {
  return response.headers.get('x-request-id') ?? undefined;
}

/** The API's error envelope as a `CliError`; a body that is not the envelope still gives one line. */
export async function errorFrom(response: Response): Promise<CliError> {
  const text = await response.text().catch(() => '');
  let envelope: { error?: { code?: unknown; message?: unknown; request_id?: unknown } } | undefined;
  try {
    envelope = JSON.parse(text);
  } catch {
    envelope = undefined;
  }
  const error = envelope?.error;
  const code = typeof error?.code === 'string' ? error.code : `http_${response.status}`;
  const message =
    typeof error?.message === 'string' ? error.message : response.statusText || `the API answered ${response.status}`;
  const requestId = typeof error?.request_id === 'string' ? error.request_id : requestIdOf(response);
  const retryAfter = response.headers.get('retry-after');
  const hint = retryAfter && response.status === 429 ? `; retry after ${retryAfter} s` : '';
  return new CliError(`${message}${hint}`, { code, status: response.status, requestId });
}

/** A failure to reach `origin`, in plain words. */
export function connectionError(origin: string, error: unknown, timeoutMs: number): CliError {
  if (error instanceof DOMException && error.name === 'TimeoutError') {
    return new CliError(`no answer from ${origin} within ${timeoutMs / 1000} s`, { network: true });
  }
  const code = (error as { cause?: { code?: unknown } })?.cause?.code;
  if (code === 'ECONNREFUSED') {
    return new CliError(`cannot connect to ${origin} (connection refused); is the API running? (npm start)`, {
      network: true,
    });
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new CliError(`cannot find the host of ${origin}`, { network: true });
  }
  return new CliError(`cannot reach ${origin} (${describeFailure(error)})`, { network: true });
}

export function describeFailure(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } })?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

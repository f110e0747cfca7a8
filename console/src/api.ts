/** The API as the console calls it: same origin (`/v1/*`), the session's bearer token, errors as {@link ApiError}. */

/** A reply outside 2xx, with the API's error envelope when it sent one. */
export class ApiError extends Error {
  override name = 'ApiError' as const;
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Calls the API and parses its JSON reply. */
export async function api<T>(token: string, path: string, init: RequestInit = {}): Promise<T> {
  const reply = await fetch(path, {
    ...init,
    headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` },
  });
  if (!reply.ok) {
    const body = (await reply.json().catch(() => undefined)) as { error?: { message?: string } } | undefined;
    throw new ApiError(reply.status, body?.error?.message ?? `${reply.status} ${reply.statusText}`);
  }
  return (await reply.json()) as T;
}

/**
 * Fetches a file the API hands out (a CSV, or a video's bytes behind its 302 to a presigned URL) and saves it under
 * `filename`: a link with a download attribute over an object URL, as a bearer token cannot ride on a plain link.
 */
export async function download(token: string, path: string, filename: string): Promise<void> {
  const reply = await fetch(path, { headers: { authorization: `Bearer ${token}` } });
  if (!reply.ok) throw new ApiError(reply.status, `download failed: ${reply.status}`);
  const url = URL.createObjectURL(await reply.blob());
  const link = Object.assign(document.createElement('a'), { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** A blob URL of a fetched file (a thumbnail), for an `<img>` that cannot send the bearer token itself. */
export async function objectUrl(token: string, path: string): Promise<string> {
  const reply = await fetch(path, { headers: { authorization: `Bearer ${token}` } });
  if (!reply.ok) throw new ApiError(reply.status, `fetch failed: ${reply.status}`);
  return URL.createObjectURL(await reply.blob());
}

/** Dollars from micro-USD, as finance reads them. */
export const dollars = (micros: number) => `$${(micros / 1_000_000).toFixed(2)}`;

/** The current UTC month, YYYY-MM. */
export const currentMonth = () => new Date().toISOString().slice(0, 7);

import type { IncomingMessage, ServerResponse } from 'node:http';

/** Response headers as the emulator sets them. */
export type Headers = Record<string, string>;

/** True for the addresses a client on this machine connects from (127.0.0.0/8, ::1, IPv4-mapped loopback). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return v4.startsWith('127.') || address === '::1';
}

/** True when the request body is multipart/form-data (the openai SDK's create, edit and extend). */
export function isMultipart(req: IncomingMessage): boolean {
  return (req.headers['content-type'] ?? '').startsWith('multipart/form-data');
}

/** Sends `body` as JSON with an exact content-length. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Headers): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

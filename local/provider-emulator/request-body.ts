import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';
import { ApiError } from './api-error';

/** A file part of a multipart body; its bytes are counted and discarded. */
export interface UploadedFile {
  readonly kind: 'file';
  filename: string;
  mimeType: string;
  bytes: number;
}

export type BodyValue = string | number | boolean | null | UploadedFile | BodyValue[] | { [key: string]: BodyValue };
export type Body = Record<string, BodyValue>;

const MAX_JSON_BYTES = 10 * 1024 * 1024;
const MAX_FILE_BYTES = 100 * 1024 * 1024;

export function isUploadedFile(value: unknown): value is UploadedFile {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'file';
}

/**
 * Reads a request body the way the provider accepts it: JSON, or multipart/form-data where nested fields arrive
 * as bracket keys (`video[id]`, `input_reference[image_url]`) as the openai SDK encodes them.
 */
export async function readBody(req: IncomingMessage): Promise<Body> {
  const contentType = req.headers['content-type'] ?? '';
  if (contentType.startsWith('multipart/form-data') || contentType.startsWith('application/x-www-form-urlencoded')) {
    return readForm(req);
  }
  const raw = await readRaw(req);
  if (raw.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new ApiError(
      400,
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ApiError(400, 'The request body must be a JSON object.', { code: 'invalid_type' });
  }
  return parsed as Body;
}

async function readRaw(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_JSON_BYTES) throw new ApiError(413, 'Request body too large.', { code: 'request_too_large' });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function readForm(req: IncomingMessage): Promise<Body> {
  return new Promise((resolve, reject) => {
    const body: Body = {};
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: MAX_FILE_BYTES, fieldSize: 1024 * 1024 } });
    } catch (error) {
      reject(new ApiError(400, `Malformed multipart body: ${(error as Error).message}`));
      return;
    }
    parser.on('field', (name, value) => setBracketKey(body, name, value));
    parser.on('file', (name, stream, info) => {
      const file: UploadedFile = { kind: 'file', filename: info.filename ?? '', mimeType: info.mimeType, bytes: 0 };
      stream.on('data', (chunk: Buffer) => {
        file.bytes += chunk.length;
      });
      setBracketKey(body, name, file);
    });
    parser.on('close', () => resolve(body));
    parser.on('error', (error: Error) => reject(new ApiError(400, `Malformed multipart body: ${error.message}`)));
    req.pipe(parser);
  });
}

/** Sets `a[b][c]` (or `a[]` for arrays) inside `target`. Exported for tests. */
export function setBracketKey(target: Body, key: string, value: BodyValue): void {
  const head = key.match(/^[^[]+/)?.[0] ?? key;
  const path = [head, ...Array.from(key.slice(head.length).matchAll(/\[([^\]]*)\]/g), (m) => m[1] ?? '')];
  let node: Record<string, BodyValue> | BodyValue[] = target;
  for (let i = 0; i < path.length; i += 1) {
    const part = path[i] as string;
    const last = i === path.length - 1;
    const nextIsArray = path[i + 1] === '';
    if (Array.isArray(node)) {
      if (last) {
        node.push(value);
        return;
      }
      const child: Record<string, BodyValue> | BodyValue[] = nextIsArray ? [] : {};
      node.push(child);
      node = child;
      continue;
    }
    if (last) {
      node[part] = value;
      return;
    }
    const existing = node[part];
    if (typeof existing !== 'object' || existing === null || isUploadedFile(existing)) {
      node[part] = nextIsArray ? [] : {};
    }
    node = node[part] as Record<string, BodyValue> | BodyValue[];
  }
}

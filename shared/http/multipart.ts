import { createHash } from 'node:crypto';
import busboy from 'busboy';
import { PayloadTooLargeError, ValidationError } from '../errors';
import { LARGE_IMAGE_ALTERNATIVE } from './limits';
import { UploadedFile } from './uploaded-file';

export { UploadedFile };

/** The limits of a multipart body. */
export interface MultipartLimits {
  /** The most bytes all non-file fields (names and values) may take together: the JSON body limit. */
  maxFieldBytes: number;
  /** The most bytes one file part may take. */
  maxFileBytes: number;
  /** The most parts (fields and files) a body may have. @default 100 */
  maxParts?: number;
}

/** A multipart field value after the bracketed keys are folded: text, a file, or nested objects and arrays. */
export type FormValue = string | UploadedFile | FormValue[] | { [name: string]: FormValue };

/** Names that would reach an object's prototype if a bracketed key could set them. */
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Parses a multipart/form-data body with busboy into an object, folding bracketed keys the way the `openai` SDK
 * writes nested values (`metadata[topic]=x` → `{metadata:{topic:'x'}}`, `tags[]=a&tags[]=b` → `{tags:['a','b']}`);
 * file parts become {@link UploadedFile}s (sha256 computed here, so request hashes can include it).
 * Over a limit → 413 `payload_too_large`; a body busboy cannot read, a repeated or conflicting name → 400.
 */
export async function parseMultipart(
  body: Buffer,
  contentType: string,
  limits: MultipartLimits,
): Promise<Record<string, FormValue>> {
  const entries = await readParts(body, contentType, limits);
  const result: Record<string, FormValue> = {};
  for (const [name, value] of entries) setBracketed(result, name, value);
  return result;
}

function fileTooLarge(name: string, maxFileBytes: number): PayloadTooLargeError {
  const field = segmentsOf(name)?.join('.') ?? name;
  return new PayloadTooLargeError(
    `The file in '${field}' is larger than ${maxFileBytes} bytes, the most a request can carry inline; ${LARGE_IMAGE_ALTERNATIVE}`,
    field,
  );
}

function malformed(detail: string): ValidationError {
  return new ValidationError(`Request body is not valid multipart/form-data: ${detail}`);
}

function readParts(
  body: Buffer,
  contentType: string,
  limits: MultipartLimits,
): Promise<Array<[string, string | UploadedFile]>> {
  const maxParts = limits.maxParts ?? 100;
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { 'content-type': contentType },
      defParamCharset: 'utf8',
      limits: {
        // One byte over the limit is enough to know it was exceeded (busboy then marks the value truncated).
        fieldSize: limits.maxFieldBytes + 1,
        fieldNameSize: 200,
        fileSize: limits.maxFileBytes,
        parts: maxParts,
      },
    });
  } catch (error) {
    // busboy throws at once for a missing boundary or a content type it does not parse.
    return Promise.reject(Object.assign(malformed(String((error as Error).message)), { cause: error }));
  }

  return new Promise((resolve, reject) => {
    const entries: Array<[string, string | UploadedFile]> = [];
    const pendingFiles: Array<Promise<void>> = [];
    let fieldBytes = 0;
    let failed = false;
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      reject(error);
    };
    const tooLarge = () =>
      new PayloadTooLargeError(
        `Request body fields must be at most ${limits.maxFieldBytes} bytes together, and a file at most ${limits.maxFileBytes} bytes`,
      );

    parser.on('field', (name, value, info) => {
      fieldBytes += Buffer.byteLength(name) + Buffer.byteLength(value);
      if (info.valueTruncated || fieldBytes > limits.maxFieldBytes) return fail(tooLarge());
      if (info.nameTruncated) return fail(malformed('a field name is too long'));
      entries.push([name, value]);
    });
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      const hash = createHash('sha256');
      const done = new Promise<void>((resolveFile) => {
        stream.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          hash.update(chunk);
        });
        stream.on('limit', () => fail(fileTooLarge(name, limits.maxFileBytes)));
        // A body that ends inside a file part errors the file's stream too; an 'error' nobody listens to would end
        // the process (every function of the local stack, or a Lambda execution environment).
        stream.on('error', (error: Error) => {
          fail(Object.assign(malformed(error.message), { cause: error }));
          resolveFile();
        });
        stream.on('close', () => {
          if (failed) return resolveFile();
          entries.push([
            name,
            new UploadedFile(info.filename ?? '', info.mimeType, Buffer.concat(chunks), hash.digest('hex')),
          ]);
          resolveFile();
        });
      });
      pendingFiles.push(done);
    });
    parser.on('partsLimit', () => fail(new PayloadTooLargeError(`Request body must have at most ${maxParts} parts`)));
    parser.on('error', (error: Error) => fail(Object.assign(malformed(error.message), { cause: error })));
    parser.on('close', () => {
      void Promise.all(pendingFiles).then(() => {
        if (!failed) resolve(entries);
      });
    });
    parser.end(body);
  });
}

/** Splits `a[b][]` into `['a', 'b', '']`; null when the name is not of that form. */
function segmentsOf(name: string): string[] | null {
  const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(name);
  if (match === null) return null;
  const rest = match[2] ?? '';
  return [match[1]!, ...[...rest.matchAll(/\[([^[\]]*)\]/g)].map((segment) => segment[1]!)];
}

function setBracketed(target: Record<string, FormValue>, name: string, value: string | UploadedFile): void {
  const segments = segmentsOf(name);
  if (segments === null) throw new ValidationError(`Invalid form field name: '${name}'`, name);
  if (segments.some((segment) => FORBIDDEN_SEGMENTS.has(segment))) {
    throw new ValidationError(`Invalid form field name: '${name}'`, name);
  }
  const conflict = () => new ValidationError(`Form field '${name}' is given more than once or conflicts`, name);
  let container: Record<string, FormValue> | FormValue[] = target;
  for (let index = 0; index < segments.length; index += 1) {
    const segment = segments[index]!;
    const last = index === segments.length - 1;
    const next = segments[index + 1];
    if (Array.isArray(container)) {
      // Only `name[]` (append) is an array step; an index or a key inside an array is not how the SDK writes.
      if (segment !== '' || !last) throw conflict();
      container.push(value);
      return;
    }
    if (segment === '') throw conflict();
    const existing: FormValue | undefined = Object.hasOwn(container, segment) ? container[segment] : undefined;
    if (last) {
      if (existing !== undefined) throw conflict();
      container[segment] = value;
      return;
    }
    const wantsArray = next === '';
    if (existing === undefined) {
      const created: Record<string, FormValue> | FormValue[] = wantsArray ? [] : {};
      container[segment] = created;
      container = created;
    } else if (wantsArray ? Array.isArray(existing) : isPlainContainer(existing)) {
      container = existing as Record<string, FormValue> | FormValue[];
    } else {
      throw conflict();
    }
  }
}

function isPlainContainer(value: FormValue): value is { [name: string]: FormValue } {
  return typeof value === 'object' && !Array.isArray(value) && !(value instanceof UploadedFile);
}

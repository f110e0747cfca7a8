import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { Download } from './api-types';
import { CliError, connectionError, describeFailure } from './errors';

/**
 * Streams `url` (a presigned content URL) into `path` (through `path.part`, renamed once complete), hashing it on
 * the way. It gets no Authorization header: the URL carries its own signature.
 */
export async function downloadTo(
  url: string,
  path: string,
  options: { fetch: typeof fetch; timeoutMs: number },
): Promise<Download> {
  const { fetch: doFetch, timeoutMs } = options;
  // A stall, not the whole transfer, is bounded: a big file may take long, a silent connection may not.
  const stall = new AbortController();
  let stallTimer = setTimeout(() => stall.abort(stalled(timeoutMs)), timeoutMs);
  const progressed = () => {
    clearTimeout(stallTimer);
    stallTimer = setTimeout(() => stall.abort(stalled(timeoutMs)), timeoutMs);
  };
  let response: Response;
  try {
    response = await doFetch(url, { signal: stall.signal });
  } catch (error) {
    clearTimeout(stallTimer);
    throw connectionError(new URL(url).origin, error, timeoutMs);
  }
  if (!response.ok || !response.body) {
    clearTimeout(stallTimer);
    await response.body?.cancel();
    throw new CliError(`the storage answered ${response.status} to the download`, {
      code: 'download_failed',
      status: response.status,
    });
  }
  const hash = createHash('sha256');
  let bytes = 0;
  const partPath = `${path}.part`;
  try {
    await pipeline(
      Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>),
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          progressed();
          hash.update(chunk);
          bytes += chunk.length;
          yield chunk;
        }
      },
      createWriteStream(partPath),
    );
    await rename(partPath, path);
  } catch (error) {
    await rm(partPath, { force: true });
    throw new CliError(`the download broke off after ${bytes} bytes (${describeFailure(error)})`, {
      code: 'download_failed',
      network: true,
    });
  } finally {
    clearTimeout(stallTimer);
  }
  return { path, bytes, sha256: hash.digest('hex'), contentType: response.headers.get('content-type') };
}

function stalled(timeoutMs: number): DOMException {
  return new DOMException(`no data for ${timeoutMs / 1000} s`, 'TimeoutError');
}

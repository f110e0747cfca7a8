import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Content } from './content';

export interface StreamOptions {
  headers: Record<string, string>;
  /**
   * Send `bytes` bytes, keep the connection open `holdMs`, then destroy it (the client sees a body shorter than
   * Content-Length).
   */
  drop: { bytes: number; holdMs: number } | null;
  /** Throttle to this rate. */
  bytesPerSecond: number | null;
}

/**
 * Streams content with `Content-Length` set, honouring backpressure (waits for `drain`), so memory stays at one chunk
 * whatever the size. Stops quietly when the client goes away.
 */
export async function streamContent(res: ServerResponse, content: Content, options: StreamOptions): Promise<void> {
  res.writeHead(200, {
    ...options.headers,
    'content-type': content.contentType,
    'content-length': String(content.bytes),
  });
  res.flushHeaders();
  const { drop, bytesPerSecond } = options;
  const dropAfterBytes = drop?.bytes ?? null;
  const holdMs = drop?.holdMs ?? 0;
  const slice = bytesPerSecond === null ? Number.POSITIVE_INFINITY : Math.max(1, Math.floor(bytesPerSecond / 10));
  const started = Date.now();
  let sent = 0;
  for (const chunk of content.chunks()) {
    for (let offset = 0; offset < chunk.length; ) {
      if (res.destroyed) return;
      let piece = chunk.subarray(offset, offset + Math.min(slice, chunk.length - offset));
      if (dropAfterBytes !== null && sent + piece.length >= dropAfterBytes) {
        piece = piece.subarray(0, dropAfterBytes - sent);
        await writeThenDrop(res, piece, holdMs);
        return;
      }
      if (!res.write(piece)) await drained(res);
      sent += piece.length;
      offset += piece.length;
      if (bytesPerSecond !== null) {
        const wait = started + (sent / bytesPerSecond) * 1000 - Date.now();
        if (wait > 0) await sleep(wait);
      }
    }
  }
  if (dropAfterBytes !== null && sent >= dropAfterBytes) {
    await writeThenDrop(res, Buffer.alloc(0), holdMs);
    return;
  }
  res.end();
}

/** Writes the last bytes, waits until they are handed to the socket and `holdMs` more, then drops the connection. */
function writeThenDrop(res: ServerResponse, piece: Buffer, holdMs: number): Promise<void> {
  return new Promise((resolve) => {
    const drop = () => {
      res.socket?.destroy();
      res.destroy();
      resolve();
    };
    const later = () => (holdMs > 0 ? setTimeout(drop, holdMs) : drop());
    if (piece.length === 0) later();
    else res.write(piece, later);
  });
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

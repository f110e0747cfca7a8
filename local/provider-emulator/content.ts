import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type ContentVariant = 'video' | 'thumbnail' | 'spritesheet';

/** What a download serves: its type, exact length, and its bytes as a lazily produced sequence of chunks. */
export interface Content {
  contentType: string;
  bytes: number;
  chunks(): Iterable<Buffer>;
}

/** The job facts content depends on. */
export interface ContentSpec {
  size: string;
  seconds: string;
  syntheticBytes: number | null;
}

/** Size of each chunk streamed for synthetic padding. */
export const SYNTHETIC_CHUNK_BYTES = 64 * 1024;

const FIXTURES_DIR = fileURLToPath(new URL('./fixtures/', import.meta.url));
const fixtureCache = new Map<string, Buffer>();
const hashCache = new Map<string, Promise<string>>();
const PADDING = Buffer.alloc(SYNTHETIC_CHUNK_BYTES, 0);
for (let i = 0; i < PADDING.length; i += 1) PADDING[i] = i % 251;

/** Reads (once) a committed fixture file. */
export function fixture(name: string): Buffer {
  let bytes = fixtureCache.get(name);
  if (!bytes) {
    bytes = readFileSync(`${FIXTURES_DIR}${name}`);
    fixtureCache.set(name, bytes);
  }
  return bytes;
}

export function videoFixtureName(size: string, seconds: string): string {
  return `video-${size}-${seconds}s.mp4`;
}

/** The durations (seconds) for which a video fixture exists. */
export const FIXTURE_SECONDS = ['4', '8', '12', '16', '20', '24'];

/**
 * The exact byte size a synthetic video will have: the requested size, raised when needed so that the fixture and a
 * `free` box header (8 bytes) fit.
 */
export function syntheticSize(fixtureBytes: number, requested: number): number {
  if (requested === fixtureBytes) return requested;
  return Math.max(requested, fixtureBytes + 8);
}

/**
 * A valid ISO-BMFF file of exactly `totalBytes`: the fixture's boxes (ftyp, moov, mdat) followed by one `free` box
 * padding to the size (64-bit box size beyond 4 GiB). Produced chunk by chunk; nothing but one chunk is in memory.
 */
export function* syntheticMp4(head: Buffer, totalBytes: number): Generator<Buffer> {
  yield head;
  const padBox = totalBytes - head.length;
  if (padBox <= 0) return;
  let header: Buffer;
  if (padBox <= 0xffffffff) {
    header = Buffer.alloc(8);
    header.writeUInt32BE(padBox, 0);
    header.write('free', 4, 'latin1');
  } else {
    header = Buffer.alloc(16);
    header.writeUInt32BE(1, 0);
    header.write('free', 4, 'latin1');
    header.writeBigUInt64BE(BigInt(padBox), 8);
  }
  yield header;
  let remaining = padBox - header.length;
  while (remaining > 0) {
    const n = Math.min(remaining, PADDING.length);
    yield n === PADDING.length ? PADDING : PADDING.subarray(0, n);
    remaining -= n;
  }
}

/** The content of one variant of a completed job. */
export function contentFor(spec: ContentSpec, variant: ContentVariant): Content {
  if (variant === 'thumbnail') return bufferContent('image/webp', fixture(`thumbnail-${spec.size}.webp`));
  if (variant === 'spritesheet') return bufferContent('image/jpeg', fixture(`spritesheet-${spec.size}.jpg`));
  const head = fixture(videoFixtureName(spec.size, spec.seconds));
  if (spec.syntheticBytes === null) return bufferContent('video/mp4', head);
  const total = syntheticSize(head.length, spec.syntheticBytes);
  return { contentType: 'video/mp4', bytes: total, chunks: () => syntheticMp4(head, total) };
}

/**
 * SHA-256 (hex) of a job's video content. Fixture hashes are immediate; a synthetic video's hash is computed once per
 * (fixture, size) by streaming the generator, and cached.
 */
export function videoSha256(spec: ContentSpec): Promise<string> {
  const content = contentFor(spec, 'video');
  const key = `${videoFixtureName(spec.size, spec.seconds)}:${content.bytes}`;
  let hash = hashCache.get(key);
  if (!hash) {
    hash = hashChunks(content.chunks());
    hashCache.set(key, hash);
  }
  return hash;
}

async function hashChunks(chunks: Iterable<Buffer>): Promise<string> {
  const hash = createHash('sha256');
  let sinceYield = 0;
  for (const chunk of chunks) {
    hash.update(chunk);
    sinceYield += chunk.length;
    // Hashing a gigabyte takes seconds: let the event loop breathe so the emulator keeps answering meanwhile.
    if (sinceYield >= 16 * 1024 * 1024) {
      sinceYield = 0;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return hash.digest('hex');
}

function bufferContent(contentType: string, bytes: Buffer): Content {
  return { contentType, bytes: bytes.length, chunks: () => [bytes] };
}

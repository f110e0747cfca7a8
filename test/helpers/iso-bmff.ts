import { open } from 'node:fs/promises';

/** One ISO-BMFF box: its four-character type, where it starts, its total size and its header's size. */
export interface Box {
  type: string;
  start: number;
  size: number;
  headerSize: number;
}

/** What tests want to know about an MP4. */
export interface Mp4Summary {
  /** Top-level box types in order, e.g. `['ftyp', 'moov', 'mdat']`. */
  topLevel: string[];
  /** The video track's `tkhd` width and height, in pixels. */
  width: number;
  height: number;
  /** `mvhd` duration divided by its timescale. */
  durationSeconds: number;
  /** Sample entry of the video track, e.g. `avc1`. */
  codec: string;
}

/** Reads a box header at `offset`; `end` bounds a box whose size is 0 ("to the end"). */
export function readBoxHeader(bytes: Uint8Array, offset: number, end: number): Box {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (offset + 8 > end) throw new Error(`truncated box header at ${offset}`);
  const size32 = view.getUint32(offset);
  const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
  if (size32 === 1) {
    if (offset + 16 > end) throw new Error(`truncated largesize header at ${offset}`);
    return { type, start: offset, size: Number(view.getBigUint64(offset + 8)), headerSize: 16 };
  }
  const size = size32 === 0 ? end - offset : size32;
  if (size < 8) throw new Error(`invalid size ${size} for box '${type}' at ${offset}`);
  return { type, start: offset, size, headerSize: 8 };
}

/** The boxes directly inside `[start, end)`; throws when a box overruns its parent. */
export function readBoxes(bytes: Uint8Array, start = 0, end = bytes.length): Box[] {
  const boxes: Box[] = [];
  for (let offset = start; offset < end; ) {
    const box = readBoxHeader(bytes, offset, end);
    if (box.start + box.size > end) throw new Error(`box '${box.type}' at ${offset} overruns its parent (${end})`);
    boxes.push(box);
    offset += box.size;
  }
  return boxes;
}

/** Finds the first box along a path of types, descending through containers, e.g. `['moov', 'trak']`. */
export function findBox(bytes: Uint8Array, path: string[], start = 0, end = bytes.length): Box | undefined {
  const [head, ...rest] = path;
  const box = readBoxes(bytes, start, end).find((b) => b.type === head);
  if (!box || rest.length === 0) return box;
  return findBox(bytes, rest, box.start + box.headerSize, box.start + box.size);
}

/** Summarises an MP4 held in memory. */
export function inspectMp4(bytes: Uint8Array): Mp4Summary {
  const top = readBoxes(bytes);
  const moov = top.find((b) => b.type === 'moov');
  if (!moov) throw new Error('no moov box');
  return { topLevel: top.map((b) => b.type), ...inspectMoov(bytes.subarray(moov.start, moov.start + moov.size)) };
}

/**
 * Summarises an MP4 file of any size: walks the top-level boxes by reading only their headers, and loads only
 * `moov` into memory.
 */
export async function inspectMp4File(path: string): Promise<Mp4Summary> {
  const file = await open(path, 'r');
  try {
    const { size: fileSize } = await file.stat();
    const topLevel: string[] = [];
    let moov: Buffer | undefined;
    const header = Buffer.alloc(16);
    for (let offset = 0; offset < fileSize; ) {
      const { bytesRead } = await file.read(header, 0, 16, offset);
      const box = readBoxHeader(header.subarray(0, bytesRead), 0, bytesRead);
      const size = header.readUInt32BE(0) === 0 ? fileSize - offset : box.size;
      if (offset + size > fileSize) throw new Error(`box '${box.type}' at ${offset} overruns the file`);
      topLevel.push(box.type);
      if (box.type === 'moov') {
        moov = Buffer.alloc(size);
        await file.read(moov, 0, size, offset);
      }
      offset += size;
    }
    if (!moov) throw new Error('no moov box');
    return { topLevel, ...inspectMoov(moov) };
  } finally {
    await file.close();
  }
}

function inspectMoov(moov: Uint8Array): Omit<Mp4Summary, 'topLevel'> {
  const view = new DataView(moov.buffer, moov.byteOffset, moov.byteLength);
  const mvhd = findBox(moov, ['moov', 'mvhd']);
  if (!mvhd) throw new Error('no mvhd box');
  const mvhdBody = mvhd.start + mvhd.headerSize;
  const mvhdV1 = moov[mvhdBody] === 1;
  const timescale = view.getUint32(mvhdBody + (mvhdV1 ? 20 : 12));
  const duration = mvhdV1 ? Number(view.getBigUint64(mvhdBody + 24)) : view.getUint32(mvhdBody + 16);

  const moovBox = readBoxes(moov)[0] as Box;
  const traks = readBoxes(moov, moovBox.headerSize, moovBox.size).filter((b) => b.type === 'trak');
  for (const trak of traks) {
    const inner = [trak.start + trak.headerSize, trak.start + trak.size] as const;
    const hdlr = findBox(moov, ['mdia', 'hdlr'], ...inner);
    if (!hdlr || String.fromCharCode(...moov.subarray(hdlr.start + 16, hdlr.start + 20)) !== 'vide') continue;
    const tkhd = findBox(moov, ['tkhd'], ...inner);
    if (!tkhd) throw new Error('video trak without tkhd');
    const body = tkhd.start + tkhd.headerSize;
    const dims = body + (moov[body] === 1 ? 88 : 76);
    const stsd = findBox(moov, ['mdia', 'minf', 'stbl', 'stsd'], ...inner);
    const codec = stsd ? String.fromCharCode(...moov.subarray(stsd.start + 20, stsd.start + 24)) : '';
    return {
      width: view.getUint32(dims) / 65536,
      height: view.getUint32(dims + 4) / 65536,
      durationSeconds: duration / timescale,
      codec,
    };
  }
  throw new Error('no video track');
}

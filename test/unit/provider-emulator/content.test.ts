import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  contentFor,
  FIXTURE_SECONDS,
  fixture,
  SYNTHETIC_CHUNK_BYTES,
  syntheticMp4,
  syntheticSize,
  videoFixtureName,
  videoSha256,
} from '../../../local/provider-emulator/content';
import { VIDEO_SIZES } from '../../../local/provider-emulator/validation';
import { inspectMp4, readBoxes } from '../../helpers/iso-bmff';

function concat(chunks: Iterable<Buffer>): Buffer {
  return Buffer.concat([...chunks]);
}

describe('provider emulator content', () => {
  for (const size of VIDEO_SIZES) {
    const [width, height] = size.split('x').map(Number);
    for (const seconds of FIXTURE_SECONDS) {
      it(`returns an H.264 MP4 of ${size} lasting ${seconds} s when asked for that fixture`, () => {
        const summary = inspectMp4(fixture(videoFixtureName(size, seconds)));

        // ffmpeg leaves a `free` box between moov and mdat; what matters is ftyp, moov before mdat.
        expect(summary.topLevel.filter((type) => type !== 'free')).toEqual(['ftyp', 'moov', 'mdat']);
        expect(summary).toMatchObject({ width, height, durationSeconds: Number(seconds), codec: 'avc1' });
      });
    }

    it(`returns a WebP thumbnail and a JPEG spritesheet when asked for ${size}`, () => {
      const thumbnail = contentFor({ size, seconds: '4', syntheticBytes: null }, 'thumbnail');
      const sprites = contentFor({ size, seconds: '4', syntheticBytes: null }, 'spritesheet');
      const webp = concat(thumbnail.chunks());
      const jpeg = concat(sprites.chunks());

      expect(thumbnail.contentType).toBe('image/webp');
      expect(webp.subarray(0, 4).toString('latin1')).toBe('RIFF');
      expect(webp.subarray(8, 12).toString('latin1')).toBe('WEBP');
      expect(webp.readUInt32LE(4) + 8).toBe(webp.length);
      expect(sprites.contentType).toBe('image/jpeg');
      expect([...jpeg.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
      expect([...jpeg.subarray(-2)]).toEqual([0xff, 0xd9]);
    });
  }

  it('returns a valid MP4 of exactly the requested size when streaming a synthetic video', () => {
    const head = fixture(videoFixtureName('1280x720', '8'));
    const total = 3 * SYNTHETIC_CHUNK_BYTES + 12345;

    const bytes = concat(syntheticMp4(head, total));
    const summary = inspectMp4(bytes);

    expect(bytes.length).toBe(total);
    expect(summary.topLevel).toEqual(['ftyp', 'moov', 'free', 'mdat', 'free']);
    expect(summary).toMatchObject({ width: 1280, height: 720, durationSeconds: 8 });
    expect(bytes.subarray(0, head.length).equals(head)).toBe(true);
  });

  it('returns a 64-bit free box header when the padding exceeds 4 GiB', () => {
    const head = fixture(videoFixtureName('720x1280', '4'));
    const total = 5 * 1024 ** 3;

    const [first, header] = syntheticMp4(head, total);

    expect(first).toBe(head);
    expect(header?.readUInt32BE(0)).toBe(1);
    expect(header?.subarray(4, 8).toString('latin1')).toBe('free');
    expect(header?.readBigUInt64BE(8)).toBe(BigInt(total - head.length));
  });

  it('returns the same bytes and a matching cached hash when a synthetic video is streamed twice', async () => {
    const spec = { size: '1024x1792', seconds: '12', syntheticBytes: 2 * SYNTHETIC_CHUNK_BYTES + 7 };
    const content = contentFor(spec, 'video');

    const once = createHash('sha256').update(concat(content.chunks())).digest('hex');
    const twice = createHash('sha256').update(concat(content.chunks())).digest('hex');

    expect(twice).toBe(once);
    expect(await videoSha256(spec)).toBe(once);
    expect(readBoxes(concat(content.chunks())).at(-1)?.type).toBe('free');
  });

  it('returns the fixture size plus room for a free box when the requested size is too small', () => {
    expect(syntheticSize(2000, 2000)).toBe(2000);
    expect(syntheticSize(2000, 2003)).toBe(2008);
    expect(syntheticSize(2000, 10)).toBe(2008);
    expect(syntheticSize(2000, 1_000_000)).toBe(1_000_000);
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, syntheticMp4 } from '../../../local/provider-emulator/content';
import { findBox, inspectMp4, inspectMp4File, readBoxes } from '../../helpers/iso-bmff';

describe('iso-bmff test helper', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iso-bmff-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('returns the nested boxes when a path of types is given', () => {
    const mp4 = fixture('video-1792x1024-4s.mp4');

    const tkhd = findBox(mp4, ['moov', 'trak', 'tkhd']);

    expect(tkhd?.type).toBe('tkhd');
    expect(findBox(mp4, ['moov', 'nope'])).toBeUndefined();
  });

  it('throws when a box claims more bytes than its parent holds', () => {
    const mp4 = Buffer.from(fixture('video-720x1280-4s.mp4'));
    const truncated = mp4.subarray(0, mp4.length - 10);

    expect(() => readBoxes(truncated)).toThrow(/overruns/);
    expect(() => inspectMp4(Buffer.alloc(16))).toThrow();
  });

  it('returns the summary of a file on disk when it is larger than what it loads', async () => {
    const head = fixture('video-1280x720-12s.mp4');
    const path = join(dir, 'synthetic.mp4');
    await writeFile(path, Buffer.concat([...syntheticMp4(head, 1024 * 1024)]));

    const summary = await inspectMp4File(path);

    expect(summary).toEqual({
      topLevel: ['ftyp', 'moov', 'free', 'mdat', 'free'],
      width: 1280,
      height: 720,
      durationSeconds: 12,
      codec: 'avc1',
    });
  });
});

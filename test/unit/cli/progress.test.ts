import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Video } from '../../../cli/api-types';
import { createProgressView } from '../../../cli/progress';
import { memoryStream } from './support';

const SEQUENCE: Array<Pick<Video, 'status' | 'progress'>> = [
  { status: 'queued', progress: 0 },
  { status: 'queued', progress: 0 },
  { status: 'in_progress', progress: 12 },
  { status: 'in_progress', progress: 57.4 },
  { status: 'in_progress', progress: 57.4 },
  { status: 'storing', progress: 100 },
  { status: 'completed', progress: 100 },
];

afterEach(() => {
  vi.useRealTimers();
});

describe('progress view', () => {
  it('writes one plain line per change when the stream is not a terminal', () => {
    // Prepare
    const stream = memoryStream(false);
    const view = createProgressView(stream, 'vid_1');

    // Act
    for (const update of SEQUENCE) view.update(update);
    view.stop();

    // Assess
    expect(stream.text()).toBe(
      [
        'vid_1 queued 0%',
        'vid_1 in_progress 12%',
        'vid_1 in_progress 57%',
        'vid_1 storing 100%',
        'vid_1 completed 100%',
        '',
      ].join('\n'),
    );
  });

  it('redraws a bar with percentage and status text in place, ending with a newline, on a terminal', () => {
    // Prepare: cli-progress redraws on its own timer, so time is faked and advanced between updates.
    vi.useFakeTimers();
    const stream = memoryStream(true);
    const view = createProgressView(stream, 'vid_1');

    // Act
    for (const update of SEQUENCE) {
      view.update(update);
      vi.advanceTimersByTime(1000);
    }
    view.stop();
    view.stop();

    // Assess
    const frames = stream
      .text()
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the bar's ANSI cursor controls are what is stripped
      .split(/\u001b\[1G/)
      // biome-ignore lint/suspicious/noControlCharactersInRegex: as above
      .map((frame) => frame.replace(/\u001b(\[[0-9;?]*[A-Za-z]|[78])/g, ''))
      .filter((frame) => frame.startsWith('vid_1'));
    expect(frames[0]).toMatch(/^vid_1 \[-{30}\] 0% \| queued \| 0s$/);
    expect(frames).toContainEqual(expect.stringMatching(/^vid_1 \[={4}-{26}\] 12% \| in_progress \| \d+s$/));
    expect(frames).toContainEqual(expect.stringMatching(/ 57% \| in_progress /));
    expect(frames).toContainEqual(expect.stringMatching(/ 100% \| storing /));
    expect(frames.at(-1)).toMatch(/^vid_1 \[={30}\] 100% \| completed \| \d+s\n?$/);
    expect(stream.text().endsWith('\n')).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('writes nothing when stopped before any update', () => {
    // Prepare
    const tty = memoryStream(true);
    const pipe = memoryStream(false);

    // Act
    createProgressView(tty, 'vid_1').stop();
    createProgressView(pipe, 'vid_1').stop();

    // Assess
    expect(tty.text()).toBe('');
    expect(pipe.text()).toBe('');
  });
});

import { SingleBar } from 'cli-progress';
import type { Video } from './api-types';

/** Where progress goes (stderr, so stdout stays for results); `isTTY` picks the bar or plain lines. */
export type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

/** Shows a video's progress while the CLI waits for it. */
export interface ProgressView {
  update(video: Pick<Video, 'status' | 'progress'>): void;
  /** Ends the display (the bar's final frame and a newline); safe to call twice. */
  stop(): void;
}

/**
 * A progress bar (cli-progress) on a terminal; on anything else (a pipe, a log file) one line per change, so
 * logs stay readable: `vid_… in_progress 40%`.
 */
export function createProgressView(stream: ProgressStream, label: string): ProgressView {
  return stream.isTTY ? barView(stream, label) : lineView(stream, label);
}

function barView(stream: ProgressStream, label: string): ProgressView {
  const bar = new SingleBar({
    stream,
    // Our own {percent}: cli-progress's {percentage} floors a float ratio (57/100 shows 56%).
    format: `${label} [{bar}] {percent}% | {status} | {duration_formatted}`,
    barsize: 30,
    hideCursor: true,
  });
  let started = false;
  return {
    update({ status, progress }) {
      const percent = clamp(progress);
      if (!started) {
        bar.start(100, percent, { status, percent });
        started = true;
      } else {
        bar.update(percent, { status, percent });
      }
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}

function lineView(stream: ProgressStream, label: string): ProgressView {
  let last = '';
  return {
    update({ status, progress }) {
      const line = `${label} ${status} ${clamp(progress)}%`;
      if (line !== last) stream.write(`${line}\n`);
      last = line;
    },
    stop() {},
  };
}

function clamp(progress: number): number {
  return Number.isFinite(progress) ? Math.min(100, Math.max(0, Math.round(progress))) : 0;
}

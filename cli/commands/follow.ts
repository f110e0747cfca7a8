import { rm } from 'node:fs/promises';
import type { ContentVariant, Download, Video } from '../api-types';
import { CliError } from '../errors';
import { formatBytes, formatVideo } from '../format';
import { createProgressView } from '../progress';
import { waitForVideo } from '../wait';
import { type CommandContext, print } from './context';

export interface FollowOptions {
  wait?: boolean;
  out?: string;
}

/**
 * After a create or a remix: with `wait` (or `out`), shows the progress until the video is terminal; prints the
 * video; with `out` then saves the MP4. Throws the video's own error when it failed or was cancelled.
 */
export async function followVideo(video: Video, options: FollowOptions, context: CommandContext): Promise<Video> {
  const waited = options.wait || options.out ? await waitWithProgress(video, context) : video;
  if (waited !== video) throwIfUnsuccessful(waited);
  print(context, waited, formatVideo);
  if (options.out) await saveContent(waited, 'video', options.out, context);
  return waited;
}

async function waitWithProgress(video: Video, context: CommandContext): Promise<Video> {
  const progress = createProgressView(context.stderr, video.id);
  const stopOnSignal = () => {
    progress.stop();
    context.stderr.write(`stopped waiting; ${video.id} goes on: reelflow get ${video.id}\n`);
    process.exit(130);
  };
  process.once('SIGINT', stopOnSignal);
  try {
    progress.update(video);
    return await waitForVideo(video.id, {
      client: context.client,
      onUpdate: (update) => progress.update(update),
      policy: context.waitPolicy,
      sleep: context.sleep,
    });
  } finally {
    progress.stop();
    process.off('SIGINT', stopOnSignal);
  }
}

/** The video's own failure as the CLI's error (`error: moderation_blocked: ... (video vid_...)`). */
export function throwIfUnsuccessful(video: Video): void {
  if (video.status === 'failed') {
    const code = video.error?.code ?? 'failed';
    throw new CliError(`${video.error?.message ?? 'the video failed'} (video ${video.id})`, { code });
  }
  if (video.status === 'cancelled') throw new CliError(`${video.id} was cancelled`, { code: 'cancelled' });
}

/**
 * Downloads a variant to `path` and notes where it went; the MP4 is checked against the sha256 the API
 * recorded (a mismatching file is removed).
 */
export async function saveContent(
  video: Video,
  variant: ContentVariant,
  path: string,
  context: CommandContext,
): Promise<Download> {
  const download = await context.client.download(video.id, variant, path);
  const expected = variant === 'video' ? video.content?.sha256 : undefined;
  if (expected && expected !== download.sha256) {
    await rm(path, { force: true });
    throw new CliError(`the downloaded ${variant} does not match its sha256 (${expected}); removed ${path}`, {
      code: 'checksum_mismatch',
    });
  }
  const verified = expected ? ', sha256 verified' : '';
  const note = context.json ? context.stderr : context.stdout;
  note.write(`saved ${variant} of ${video.id} to ${path} (${formatBytes(download.bytes)}${verified})\n`);
  return download;
}

import type { ContentVariant, Video, VideoList } from '../api-types';
import { formatVideo, formatVideoTable } from '../format';
import { type CommandContext, print } from './context';
import { saveContent } from './follow';

/** `get <id>`. */
export async function getCommand(id: string, context: CommandContext): Promise<void> {
  print(context, await context.client.getVideo(id), formatVideo);
}

export interface ListOptions {
  limit?: string;
  status?: string;
  after?: string;
  /** Follow `next_cursor` to the end. */
  all?: boolean;
}

/** `list`: a table of the caller's videos, newest first; `--all` pages through every one. */
export async function listCommand(options: ListOptions, context: CommandContext): Promise<void> {
  const query = { limit: options.limit, status: options.status, after: options.after };
  let page = await context.client.listVideos(query);
  const videos: Video[] = [...page.data];
  while (options.all && page.has_more && page.next_cursor) {
    page = await context.client.listVideos({ ...query, after: page.next_cursor });
    videos.push(...page.data);
  }
  const list: VideoList = {
    object: 'list',
    data: videos,
    has_more: page.has_more,
    next_cursor: page.next_cursor ?? null,
  };
  print(context, list, ({ data }) => formatVideoTable(data));
  if (!context.json && list.has_more && list.next_cursor) {
    context.stderr.write(`more: reelflow list --after ${list.next_cursor} (or --all)\n`);
  }
}

const EXTENSIONS: Record<ContentVariant, string> = { video: 'mp4', thumbnail: 'webp', spritesheet: 'jpg' };

export interface DownloadOptions {
  variant?: ContentVariant;
  out?: string;
}

/** `download <id>`: follows the content redirect and streams the file; default name `<id>.mp4` (or the variant's). */
export async function downloadCommand(id: string, options: DownloadOptions, context: CommandContext): Promise<void> {
  const variant = options.variant ?? 'video';
  const video = await context.client.getVideo(id);
  const path = options.out ?? (variant === 'video' ? `${id}.mp4` : `${id}.${variant}.${EXTENSIONS[variant]}`);
  const download = await saveContent(video, variant, path, context);
  if (context.json) context.stdout.write(`${JSON.stringify(download, null, 2)}\n`);
}

/** `cancel <id>`. */
export async function cancelCommand(id: string, context: CommandContext): Promise<void> {
  print(context, await context.client.cancelVideo(id), formatVideo);
}

/** `delete <id>`. */
export async function deleteCommand(id: string, context: CommandContext): Promise<void> {
  print(context, await context.client.deleteVideo(id), (deleted) => `deleted ${deleted.id}`);
}

import type { CreateVideoBody, Video } from '../client';
import type { CommandContext } from './context';
import { type FollowOptions, followVideo } from './follow';

export interface CreateOptions extends FollowOptions {
  model?: string;
  seconds?: string;
  size?: string;
  metadata?: Record<string, string>;
  idempotencyKey?: string;
}

/** `create "<prompt>"`: POST /v1/videos, then optionally wait (progress bar) and download. */
export async function createCommand(prompt: string, options: CreateOptions, context: CommandContext): Promise<Video> {
  const body: CreateVideoBody = { prompt };
  if (options.model !== undefined) body.model = options.model;
  if (options.seconds !== undefined) body.seconds = options.seconds;
  if (options.size !== undefined) body.size = options.size;
  if (options.metadata !== undefined) body.metadata = options.metadata;
  const created = await context.client.createVideo(body, options.idempotencyKey);
  return followVideo(created, options, context);
}

export interface RemixOptions extends FollowOptions {
  idempotencyKey?: string;
}

/** `remix <id> "<prompt>"`: POST /v1/videos/{id}/remix, then optionally wait and download like `create`. */
export async function remixCommand(
  id: string,
  prompt: string,
  options: RemixOptions,
  context: CommandContext,
): Promise<Video> {
  const created = await context.client.remixVideo(id, prompt, options.idempotencyKey);
  return followVideo(created, options, context);
}

import { randomUUID } from 'node:crypto';
import type { CreateVideoBody, Video } from '../api-types';
import { CliError } from '../errors';
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
  const created = await retryingCreate(options.idempotencyKey, context, (key) => context.client.createVideo(body, key));
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
  const created = await retryingCreate(options.idempotencyKey, context, (key) =>
    context.client.remixVideo(id, prompt, key),
  );
  return followVideo(created, options, context);
}

const CREATE_RETRY_DELAYS_MS = [1000, 3000];

/**
 * Sends a create with an Idempotency-Key (the caller's, or a fresh one) and retries it after a lost connection or
 * a 5xx: the key makes the API answer a retry with the first video rather than start a second one (and charge
 * twice). A 429 is not retried: its Retry-After is for the user to see.
 */
async function retryingCreate(
  key: string | undefined,
  context: CommandContext,
  send: (key: string) => Promise<Video>,
): Promise<Video> {
  const idempotencyKey = key ?? `reelflow-cli-${randomUUID()}`;
  const sleep = context.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await send(idempotencyKey);
    } catch (error) {
      const delay = CREATE_RETRY_DELAYS_MS[attempt];
      const transient = error instanceof CliError && (error.network || (error.status ?? 0) >= 500);
      if (!transient || delay === undefined) throw error;
      await sleep(delay);
    }
  }
}

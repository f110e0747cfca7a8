import { formatAdminVideos, formatExecution } from '../format';
import { type CommandContext, print } from './context';

export interface AdminVideosOptions {
  status?: string;
  user?: string;
  limit?: string;
  after?: string;
}

/** `admin videos [--status S] [--user ID] [--limit N] [--after CURSOR]`: videos of any user (role operators). */
export async function adminVideosCommand(options: AdminVideosOptions, context: CommandContext): Promise<void> {
  const query = { status: options.status, user_id: options.user, limit: options.limit, after: options.after };
  print(context, await context.client.adminVideos(query), formatAdminVideos);
}

/** `admin execution <video-id>`: the video's execution as a timeline of its states (role operators). */
export async function adminExecutionCommand(id: string, context: CommandContext): Promise<void> {
  print(context, await context.client.execution(id), formatExecution);
}

/**
 * `admin redrive <video-id>`: continues the video's failed execution from the step it failed in (role operators).
 * The API refuses (409, printed as the error line) an execution a redrive would not help, saying why.
 */
export async function adminRedriveCommand(id: string, context: CommandContext): Promise<void> {
  print(
    context,
    await context.client.redrive(id),
    (redrive) =>
      `redriven ${redrive.video_id} from ${redrive.restarted_state} (redrive ${redrive.redrive_count}, audit ${redrive.audit_id}); ` +
      `follow it with: reelflow admin execution ${redrive.video_id}`,
  );
}

/**
 * `admin erase-user <user-id>`: erases a user's data (role finance); prints the erasure and how far it got. Running it
 * again is harmless and shows the progress.
 */
export async function adminEraseUserCommand(userId: string, context: CommandContext): Promise<void> {
  print(
    context,
    await context.client.eraseUser(userId),
    (erasure) =>
      `erasure ${erasure.id} of ${erasure.user_id}: ${erasure.status} (videos erased ${erasure.videos_erased}, ` +
      `cancelled ${erasure.videos_cancelled}, objects deleted ${erasure.objects_deleted})` +
      (erasure.status === 'pending' ? `; run again to follow it` : ''),
  );
}

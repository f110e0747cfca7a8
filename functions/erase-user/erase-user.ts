import { toUserErasureResource, type UserErasure, type UserErasures } from '../../shared/erasure/user-erasures';
import { ForbiddenError } from '../../shared/errors';
import type { Caller } from '../../shared/http/types';
import { newAuditId, newErasureId } from '../../shared/ids';
import type { UserErasureResource } from '../../shared/money/schemas';
import type { AppLogger, AppMetrics } from '../../shared/observability/powertools';
import type { VideoRepository } from '../../shared/video/store';
import { unixSeconds } from '../../shared/video/video';

/** What DELETE /v1/admin/users/{userId} asks for. */
export interface EraseUserInput {
  caller: Caller;
  userId: string;
  /** The request's id, for the audit record. */
  requestId: string | null;
}

export interface EraseUserDeps {
  erasures: Pick<UserErasures, 'get' | 'start' | 'requeue'>;
  /** Whether a user erased before has stored videos again. */
  videos: Pick<VideoRepository, 'listByUser'>;
  clock: () => Date;
  logger: Pick<AppLogger, 'info' | 'appendKeys'>;
  metrics: AppMetrics;
}

/**
 * DELETE /v1/admin/users/{userId} (role finance): starts erasing a user's data and answers the erasure (202). The
 * erasure, its audit record (`user.erased`: who, whose data, the request id, when) and the work item that carries it
 * out are one transaction; the scheduled erase-user-data does the work (cancels, deletes; the reconciler deletes the
 * provider's copies) and retries it, so no provider or S3 call is made here. Calling again is harmless: a pending erasure is answered as it stands (and its
 * work queued again, which resumes one whose work item was given up on); a completed one too, unless the user has
 * videos again since, which starts a new erasure. Nobody erases themselves (403), as nobody changes their own limits.
 */
export async function eraseUser(input: EraseUserInput, deps: EraseUserDeps): Promise<UserErasureResource> {
  deps.logger.appendKeys({ userId: input.userId });
  if (input.userId === input.caller.userId) {
    throw new ForbiddenError('You cannot erase your own data; ask another finance user');
  }
  const now = deps.clock();
  const found = await deps.erasures.get(input.userId);
  if (found?.status === 'pending') {
    await deps.erasures.requeue(found, unixSeconds(now));
    return answer(found, deps, 'Erasure already under way');
  }
  if (found?.status === 'completed' && !(await hasVideos(input.userId, deps))) {
    return answer(found, deps, 'Erasure already completed');
  }
  const erasureId = newErasureId(now.getTime());
  const { started, erasure } = await deps.erasures.start({
    userId: input.userId,
    erasureId,
    now: unixSeconds(now),
    audit: {
      action: 'user.erased',
      auditId: newAuditId(now.getTime()),
      actorUserId: input.caller.userId,
      userId: input.userId,
      erasureId,
      requestId: input.requestId,
      createdAt: unixSeconds(now),
    },
  });
  if (!started) return answer(erasure, deps, 'Erasure already under way');
  deps.metrics.addMetric('UserErasuresRequested', 'Count', 1);
  return answer(erasure, deps, 'Erasure requested', input.caller.userId);
}

function answer(
  erasure: UserErasure,
  deps: Pick<EraseUserDeps, 'logger'>,
  message: string,
  requestedBy?: string,
): UserErasureResource {
  deps.logger.info(message, {
    erasureId: erasure.erasureId,
    status: erasure.status,
    ...(requestedBy ? { requestedBy } : {}),
  });
  return toUserErasureResource(erasure);
}

async function hasVideos(userId: string, deps: Pick<EraseUserDeps, 'videos'>): Promise<boolean> {
  return (await deps.videos.listByUser(userId, { limit: 1 })).items.length > 0;
}

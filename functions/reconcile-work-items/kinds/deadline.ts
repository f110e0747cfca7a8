import type { WorkItemOf } from '../../../shared/money/reconciliation';
import { failureOf } from '../../../shared/pipeline/failure';
import { unixSeconds } from '../../../shared/video/video';
import type { ItemResult, ReconcileWorkItemsDeps } from '../reconcile-deps';

import { giveUpHeldCancel } from './cancel-settlement';

/**
 * A due deadline watch: no execution of the video can still be running. A video still unsettled (its execution
 * timed out, RecordFailure ran out of retries, an operator stopped it) is released as failed `timed_out`; the
 * release is idempotent and writes the provider work item itself when there is a job to follow. Then the watch
 * is removed.
 */
export async function reconcileDeadline(
  item: WorkItemOf<'deadline'>,
  deps: ReconcileWorkItemsDeps,
): Promise<ItemResult> {
  const now = unixSeconds(deps.clock());
  const result = await deps.costs.release(item.videoId, {
    status: 'failed',
    error: failureOf({ Error: 'States.Timeout' }),
    now,
  });
  if (result.awaitingProvider === true) {
    // A held cancel nobody settled by the time no execution can still run: give up on it, but leave its settlement
    // item to follow the job, which records the provider's cost for finance if it completes later.
    await giveUpHeldCancel(item, deps, { why: 'deadline watch fell due', keepFollowing: true });
    await deps.queue.remove(item);
    return { outcome: 'cancelGaveUp' };
  }
  await deps.queue.remove(item);
  if (!result.applied) return { outcome: 'deadlineCleared' };
  deps.logger.warn('Video still unsettled after its execution could have ended; released as timed_out', {
    videoId: item.videoId,
    userId: item.userId,
    status: result.video?.status ?? 'missing',
    providerVideoId: result.video?.providerVideoId ?? null,
  });
  return { outcome: 'deadlineReleased' };
}

import type { ReconcileWorkItem } from '../../shared/money/reconciliation';
import { eraseUserData } from './erase-user-data';
import type { ItemResult, ReconcileProviderCostsDeps, ReconcileProviderCostsInput } from './reconcile-deps';

/**
 * A `user_erasure` item: one run of the erasure (erase-user-data.ts); removed once the erasure is completed (or no
 * longer pending), moved to when it should go on otherwise.
 */
export async function eraseUser(
  item: ReconcileWorkItem,
  input: ReconcileProviderCostsInput,
  deps: ReconcileProviderCostsDeps,
): Promise<ItemResult> {
  if (deps.erasure === undefined) throw new Error('This reconciler has no erasure wiring');
  const outcome = await eraseUserData({ userId: item.userId, erasureId: item.videoId }, input.stopStartingAt, {
    ...deps.erasure,
    clock: deps.clock,
    logger: deps.logger,
    metrics: deps.metrics,
  });
  if (outcome.state === 'continue') {
    await deps.queue.reschedule(item, Math.max(outcome.dueAt, item.dueAt + 1));
    return { outcome: 'erasureContinued' };
  }
  await deps.queue.remove(item);
  // Completed by this run, or found completed (or replaced by a newer erasure) already.
  return { outcome: 'erasureCompleted' };
}

import { MAX_RECHECK_DELAY_SECONDS, type ReconcileWorkItem } from '../../../shared/money/reconciliation';
import type { ItemResult, ReconcileWorkItemsDeps } from '../reconcile-deps';

/**
 * When to look at a job still running again: after as long as it has been followed so far (so the looks thin out
 * geometrically), at least a second and at most {@link MAX_RECHECK_DELAY_SECONDS}, never past the lookback window.
 */
export function nextDueAt(item: ReconcileWorkItem, now: number, lookbackSeconds: number): number {
  const delay = Math.min(MAX_RECHECK_DELAY_SECONDS, Math.max(1, now - item.givenUpAt));
  return Math.min(now + delay, item.givenUpAt + lookbackSeconds);
}

/**
 * Moves an item still waiting for its job to its next look ({@link nextDueAt}); `outcome` is what the run counts.
 * The move does nothing when another run moved or removed the item meanwhile.
 */
export async function lookAgainLater(
  item: ReconcileWorkItem,
  now: number,
  deps: Pick<ReconcileWorkItemsDeps, 'queue' | 'options'>,
  outcome: ItemResult['outcome'] = 'rescheduled',
): Promise<ItemResult> {
  await deps.queue.reschedule(item, nextDueAt(item, now, deps.options.lookbackSeconds));
  return { outcome };
}

/**
 * Like {@link lookAgainLater} for a job that still holds an admission slot: the slot is renewed now and the next look
 * comes within half a lease, so the slot stays taken while the job runs at the provider.
 */
export async function renewAndLookAgainLater(
  item: ReconcileWorkItem,
  now: number,
  deps: Pick<ReconcileWorkItemsDeps, 'queue' | 'options' | 'slots'>,
): Promise<ItemResult> {
  await deps.slots.renewSlot(item.videoId);
  const halfLease = Math.max(1, deps.options.slotLeaseSeconds / 2);
  const dueAt = Math.min(nextDueAt(item, now, deps.options.lookbackSeconds), now + halfLease);
  await deps.queue.reschedule(item, dueAt);
  return { outcome: 'rescheduled' };
}

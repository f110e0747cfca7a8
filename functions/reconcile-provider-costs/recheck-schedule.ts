import type { ReconcileWorkItem } from '../../shared/money/reconciliation';
import type { ItemResult, ReconcileProviderCostsDeps } from './reconcile-deps';

/** The longest wait between two looks at a job still running. */
export const MAX_RECHECK_DELAY_SECONDS = 6 * 3600;

/** How often an item may fail unexpectedly before it is abandoned (with backoff: about 4 h of retries). */
export const MAX_ITEM_FAILURES = 8;

/** The first wait after an unexpected failure; it doubles with each further failure. */
export const FIRST_FAILURE_DELAY_SECONDS = 60;

/**
 * When to look again at an item whose handling failed for the `failures`-th time: 1 min, 2 min, 4 min ... at most
 * {@link MAX_RECHECK_DELAY_SECONDS}, never past the lookback window.
 */
export function failureDueAt(item: ReconcileWorkItem, failures: number, now: number, lookbackSeconds: number): number {
  const delay = Math.min(MAX_RECHECK_DELAY_SECONDS, FIRST_FAILURE_DELAY_SECONDS * 2 ** Math.max(0, failures - 1));
  return Math.min(now + delay, item.givenUpAt + lookbackSeconds);
}

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
  deps: Pick<ReconcileProviderCostsDeps, 'queue' | 'options'>,
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
  deps: Pick<ReconcileProviderCostsDeps, 'queue' | 'options' | 'slots'>,
): Promise<ItemResult> {
  await deps.slots.renewSlot(item.videoId);
  const halfLease = Math.max(1, deps.options.slotLeaseSeconds / 2);
  const dueAt = Math.min(nextDueAt(item, now, deps.options.lookbackSeconds), now + halfLease);
  await deps.queue.reschedule(item, dueAt);
  return { outcome: 'rescheduled' };
}

import { failureDueAt, MAX_ITEM_FAILURES, type ReconcileWorkItem } from '../../shared/money/reconciliation';
import { unixSeconds } from '../../shared/video/video';
import { giveUpHeldCancel } from './kinds/cancel-settlement';
import { type ItemResult, itemKeys, type ReconcileWorkItemsDeps } from './reconcile-deps';

/**
 * An item whose handling threw: logged, then looked at again with backoff, or abandoned once it failed
 * `maxItemFailures` times or its lookback window is over. Never throws: one bad item must not stop the queue.
 */
export async function afterItemError(
  item: ReconcileWorkItem,
  error: unknown,
  deps: ReconcileWorkItemsDeps,
): Promise<ItemResult> {
  const failures = (item.failures ?? 0) + 1;
  const now = unixSeconds(deps.clock());
  const { lookbackSeconds, maxItemFailures = MAX_ITEM_FAILURES } = deps.options;
  const keys = { ...itemKeys(item), failures };
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  try {
    if (failures >= maxItemFailures || now >= item.givenUpAt + lookbackSeconds) {
      if (item.kind === 'cancel_settlement') {
        await giveUpHeldCancel(item, deps, { why: 'failed too often', error: reason });
        return { outcome: 'cancelGaveUp' };
      }
      await deps.queue.remove(item);
      deps.logger.error('Reconcile work item failed too often; abandoned, its provider cost is unknown', {
        ...keys,
        error: reason,
      });
      return { outcome: 'abandoned' };
    }
    const dueAt = failureDueAt(item.givenUpAt, failures, now, lookbackSeconds);
    await deps.queue.reschedule(item, dueAt, 'failure');
    deps.logger.error('Reconcile work item failed; looked at again later', { ...keys, dueAt, error: reason });
  } catch (writeError) {
    // The item stays where it is; the next run meets it again (and counts it again only when it can write).
    deps.logger.error('Reconcile work item failed and could not be moved', {
      ...keys,
      error: reason,
      writeError: writeError instanceof Error ? writeError.message : String(writeError),
    });
  }
  return { outcome: 'errored' };
}

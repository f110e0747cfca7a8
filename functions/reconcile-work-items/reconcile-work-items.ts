import type { ReconcileWorkItem } from '../../shared/money/reconciliation';
import { unixSeconds } from '../../shared/video/video';
import { afterItemError } from './item-failure';
import { settleHeldCancel } from './kinds/cancel-settlement';
import { reconcileDeadline } from './kinds/deadline';
import { deleteProviderCopy } from './kinds/provider-delete';
import { followProviderJob } from './kinds/provider-job';
import type { ItemResult, ReconcileSummary, ReconcileWorkItemsDeps, ReconcileWorkItemsInput } from './reconcile-deps';

export type {
  ReconcileSummary,
  ReconcileWorkItemsDeps,
  ReconcileWorkItemsInput,
  ReconcileWorkItemsOptions,
} from './reconcile-deps';

/** The prefix of the run's metrics: `WorkItemReconcile` + a summary counter (`WorkItemReconcileAbandoned`, ...). */
export const METRIC_PREFIX = 'WorkItemReconcile';

/**
 * ReconcileWorkItems (scheduled): runs every due work item of the reconciler's partition (`RECONCILE`,
 * shared/money/reconciliation.ts) through the module of its kind (kinds/): a provider job reelflow gave up on is
 * asked how it ended (`completed` → its cost is recorded for finance once, never charged to the user; `failed` →
 * removed, nothing billed; still running → looked at again later, until the lookback window ends); an orphan search
 * (a video that ended before its job id was saved) first finds and claims the job among the provider's recent ones,
 * then follows it the same way; a due deadline watch releases a video still unsettled as failed `timed_out`; a held
 * cancel is settled from its job's outcome; a deleted video's provider copy is deleted once its money is settled. A
 * provider 429/5xx leaves the item for the next run; a 429 ends this run. Any other error is the item's alone: it is
 * logged and the item looked at again with backoff (abandoned, logged, after `maxItemFailures` failures or past the
 * lookback window), and the run goes on (item-failure.ts). The modules: kinds/provider-job.ts (with
 * kinds/orphan-search.ts), kinds/deadline.ts, kinds/cancel-settlement.ts (with kinds/held-cancel-job.ts),
 * kinds/provider-delete.ts. User erasures are not this function's: functions/erase-user-data runs them.
 */
export async function reconcileWorkItems(
  input: ReconcileWorkItemsInput,
  deps: ReconcileWorkItemsDeps,
): Promise<ReconcileSummary> {
  const summary: ReconcileSummary = {
    completed: 0,
    recorded: 0,
    failed: 0,
    rescheduled: 0,
    abandoned: 0,
    deferred: 0,
    errored: 0,
    noJob: 0,
    deadlineReleased: 0,
    deadlineCleared: 0,
    cancelCharged: 0,
    cancelReleased: 0,
    cancelGaveUp: 0,
    providerCopyDeleted: 0,
    providerCopyWaiting: 0,
  };
  const items = await deps.queue.due(unixSeconds(deps.clock()), deps.options.maxItems);
  for (const item of items) {
    if (deps.clock().getTime() >= input.stopStartingAt) break;
    const {
      outcome,
      recorded = false,
      rateLimited = false,
    } = await reconcileOne(item, deps).catch((error: unknown) => afterItemError(item, error, deps));
    summary[outcome]++;
    if (recorded) summary.recorded++;
    if (rateLimited) break;
  }
  for (const [name, value] of Object.entries(summary)) {
    if (value > 0) deps.metrics.addMetric(`${METRIC_PREFIX}${capitalized(name)}`, 'Count', value);
  }
  if (items.length > 0) deps.logger.info('Work item reconciliation run', { due: items.length, ...summary });
  return summary;
}

/** Hands an item to the module of its kind (an orphan search that found its job is followed as a provider job). */
function reconcileOne(item: ReconcileWorkItem, deps: ReconcileWorkItemsDeps): Promise<ItemResult> {
  switch (item.kind) {
    case 'deadline':
      return reconcileDeadline(item, deps);
    case 'cancel_settlement':
      return settleHeldCancel(item, deps);
    case 'provider_delete':
      return deleteProviderCopy(item, deps);
    default:
      // `provider_job` (items written before kinds existed are read as one) and `orphan_search`.
      return followProviderJob(item, deps);
  }
}

function capitalized(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

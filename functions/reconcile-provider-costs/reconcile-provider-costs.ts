import type { ReconcileWorkItem } from '../../shared/money/reconciliation';
import { unixSeconds } from '../../shared/video/video';
import { settleHeldCancel } from './cancel-settlement';
import { reconcileDeadline } from './deadline';
import { afterItemError } from './item-failure';
import { deleteProviderCopy } from './provider-delete';
import { followProviderJob } from './provider-job';
import type {
  ItemResult,
  ReconcileProviderCostsDeps,
  ReconcileProviderCostsInput,
  ReconcileSummary,
} from './reconcile-deps';
import { eraseUser } from './user-erasure';

export type {
  ReconcileProviderCostsDeps,
  ReconcileProviderCostsInput,
  ReconcileProviderCostsOptions,
  ReconcileSummary,
} from './reconcile-deps';

/**
 * ReconcileProviderCosts (scheduled): for every due work item (a provider job reelflow gave up on), asks the
 * provider how the job ended. `completed` → its cost is recorded for finance once (never charged to the user) and
 * the item removed; `failed` → the item removed (nothing billed); still running → looked at again later, until
 * the lookback window ends (then removed and logged). A provider 429/5xx leaves the item for the next run; a 429
 * ends this run. An orphan search (a video that ended before its job id was saved) first finds and claims the
 * job among the provider's recent ones, then follows it the same way. A due deadline watch releases a video still
 * unsettled as failed `timed_out` (shared/money/reconciliation.ts). Any other error is the item's alone: it is
 * logged and the item looked at again with backoff (abandoned, logged, after `maxItemFailures` failures or past
 * the lookback window), and the run goes on. Each kind of item has its module: provider-job.ts (with
 * orphan-search.ts), deadline.ts, cancel-settlement.ts (with held-cancel-job.ts), provider-delete.ts, user-erasure.ts;
 * item-failure.ts for the errors.
 */
export async function reconcileProviderCosts(
  input: ReconcileProviderCostsInput,
  deps: ReconcileProviderCostsDeps,
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
    erasureCompleted: 0,
    erasureContinued: 0,
  };
  const items = await deps.queue.due(unixSeconds(deps.clock()), deps.options.maxItems);
  for (const item of items) {
    if (deps.clock().getTime() >= input.stopStartingAt) break;
    const {
      outcome,
      recorded = false,
      rateLimited = false,
    } = await reconcileOne(item, input, deps).catch((error: unknown) => afterItemError(item, error, deps));
    summary[outcome]++;
    if (recorded) summary.recorded++;
    if (rateLimited) break;
  }
  for (const [name, value] of Object.entries(summary)) {
    if (value > 0) deps.metrics.addMetric(`ProviderCostReconcile${capitalized(name)}`, 'Count', value);
  }
  if (items.length > 0) deps.logger.info('Provider cost reconciliation run', { due: items.length, ...summary });
  return summary;
}

/** Hands an item to the module of its kind (an item written before kinds existed is a `provider_job`). */
function reconcileOne(
  item: ReconcileWorkItem,
  input: ReconcileProviderCostsInput,
  deps: ReconcileProviderCostsDeps,
): Promise<ItemResult> {
  switch (item.kind) {
    case 'deadline':
      return reconcileDeadline(item, deps);
    case 'cancel_settlement':
      return settleHeldCancel(item, deps);
    case 'provider_delete':
      return deleteProviderCopy(item, deps);
    case 'user_erasure':
      return eraseUser(item, input, deps);
    default:
      return followProviderJob(item, deps);
  }
}

function capitalized(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

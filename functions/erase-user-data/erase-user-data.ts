import type { ErasureQueue } from '../../shared/erasure/erasure-queue';
import { failureDueAt, MAX_ITEM_FAILURES, type UserErasureWorkItem } from '../../shared/money/reconciliation';
import type { AppLogger, AppMetrics } from '../../shared/observability/powertools';
import { unixSeconds } from '../../shared/video/video';
import { type ErasureRunDeps, runErasure } from './erasure-run';

export interface EraseUserDataOptions {
  /** How long after an erasure was requested a failing run is tried again before its item is abandoned. */
  retrySeconds: number;
  /** The most erasure work items one run looks at. */
  maxItems: number;
  /** An item whose run failed this many times is abandoned (logged). @default MAX_ITEM_FAILURES */
  maxItemFailures?: number;
}

export interface EraseUserDataDeps {
  /** The erasure work items: the erasure partition's, and those queued in the reconciler's before it existed. */
  queue: ErasureQueue;
  /** What one run of an erasure needs (the user's videos, objects, webhooks, idempotency records, executions, ...). */
  run: Omit<ErasureRunDeps, 'clock' | 'logger' | 'metrics'>;
  clock: () => Date;
  logger: Pick<AppLogger, 'info' | 'warn' | 'error'>;
  metrics: AppMetrics;
  options: EraseUserDataOptions;
}

export interface EraseUserDataInput {
  /** Epoch ms after which no new erasure (nor page of its videos) is started: the invocation's end, less a margin. */
  stopStartingAt: number;
}

/** What one run did. */
export interface ErasureSummary {
  /** Erasures completed (by this run, or found completed or replaced already): their items removed. */
  completed: number;
  /** Erasures that did part of their work and go on at a later run. */
  continued: number;
  /** Erasures whose run failed unexpectedly: logged and run again later with backoff (or abandoned, counted there). */
  errored: number;
  /** Erasure items given up on after too many failures or past the retry window (logged; the erasure stays pending). */
  abandoned: number;
  /** Of the due items, those queued in the reconciler's partition before erasures had their own (the drain). */
  inReconcilePartition: number;
}

/** The prefix of the run's metrics: `UserErasureItems` + a summary counter (`UserErasureItemsAbandoned`, ...). */
export const METRIC_PREFIX = 'UserErasureItems';

/**
 * EraseUserData (scheduled): carries out every due user erasure (a `user_erasure` work item, queued by
 * `DELETE /v1/admin/users/{userId}`), one run of it each (what is erased and what stays: docs/ARCHITECTURE.md, "The
 * erasure's work items"). An
 * erasure completed (or found completed, or replaced by a newer one) has its item removed; one that has more to do
 * has it moved to when it should go on. The items come from the erasure partition and, until none is left there,
 * from the reconciler's partition, where erasures were queued before they had their own
 * (shared/erasure/erasure-queue.ts). Any error is the item's alone: it is logged and the erasure run again with
 * backoff (abandoned, logged, after `maxItemFailures` failures or past the retry window), and the run goes on.
 */
export async function eraseUserData(input: EraseUserDataInput, deps: EraseUserDataDeps): Promise<ErasureSummary> {
  const summary: ErasureSummary = { completed: 0, continued: 0, errored: 0, abandoned: 0, inReconcilePartition: 0 };
  const items = await deps.queue.due(unixSeconds(deps.clock()), deps.options.maxItems);
  summary.inReconcilePartition = items.filter((item) => item.inReconcilePartition === true).length;
  for (const item of items) {
    if (deps.clock().getTime() >= input.stopStartingAt) break;
    const outcome = await eraseOne(item, input, deps).catch((error: unknown) => afterErasureError(item, error, deps));
    summary[outcome]++;
  }
  for (const [name, value] of Object.entries(summary)) {
    if (value > 0) deps.metrics.addMetric(`${METRIC_PREFIX}${capitalized(name)}`, 'Count', value);
  }
  if (items.length > 0) deps.logger.info('User erasure run', { due: items.length, ...summary });
  return summary;
}

/** One run of the item's erasure; the item removed once the erasure is completed (or no longer pending), else moved. */
async function eraseOne(
  item: UserErasureWorkItem,
  input: EraseUserDataInput,
  deps: EraseUserDataDeps,
): Promise<'completed' | 'continued'> {
  const outcome = await runErasure({ userId: item.userId, erasureId: item.erasureId }, input.stopStartingAt, {
    ...deps.run,
    clock: deps.clock,
    logger: deps.logger,
    metrics: deps.metrics,
  });
  if (outcome.state === 'continue') {
    await deps.queue.reschedule(item, Math.max(outcome.dueAt, item.dueAt + 1));
    return 'continued';
  }
  await deps.queue.remove(item);
  // Completed by this run, or found completed (or replaced by a newer erasure) already.
  return 'completed';
}

/**
 * An erasure whose run threw: logged, then run again with backoff, or its item abandoned once it failed
 * `maxItemFailures` times or its retry window is over. Never throws: one bad erasure must not stop the others.
 */
async function afterErasureError(
  item: UserErasureWorkItem,
  error: unknown,
  deps: EraseUserDataDeps,
): Promise<'errored' | 'abandoned'> {
  const failures = (item.failures ?? 0) + 1;
  const now = unixSeconds(deps.clock());
  const { retrySeconds, maxItemFailures = MAX_ITEM_FAILURES } = deps.options;
  const keys = { userId: item.userId, erasureId: item.erasureId, failures };
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  try {
    if (failures >= maxItemFailures || now >= item.requestedAt + retrySeconds) {
      await deps.queue.remove(item);
      deps.logger.error('User erasure failed too often; its work item is abandoned and the erasure stays pending', {
        ...keys,
        error: reason,
      });
      return 'abandoned';
    }
    const dueAt = failureDueAt(item.requestedAt, failures, now, retrySeconds);
    await deps.queue.reschedule(item, dueAt, 'failure');
    deps.logger.error('User erasure failed; run again later', { ...keys, dueAt, error: reason });
  } catch (writeError) {
    // The item stays where it is; the next run meets it again (and counts it again only when it can write).
    deps.logger.error('User erasure failed and its work item could not be moved', {
      ...keys,
      error: reason,
      writeError: writeError instanceof Error ? writeError.message : String(writeError),
    });
  }
  return 'errored';
}

function capitalized(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

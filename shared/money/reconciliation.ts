import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { type TransactOptions, transactWrite } from '../aws/transact';
import { RECONCILE_PARTITION, reconcileDueUpTo, workItemKey } from '../table-keys';
import { TABLE_TTL_ATTRIBUTE, workItemPurgeAt } from '../table-ttl';
import type { VideoRecord } from '../video/video';

// The reconciler's work items, what each kind is for and who writes it: docs/ARCHITECTURE.md, "The reconciler's
// work items".

/** Why a video's provider job is reconciled. */
export type ReconcileReason =
  | 'cancelled'
  | 'timed_out'
  | 'provider_failed'
  | 'provider_unavailable'
  | 'provider_rate_limited'
  | 'orphaned'
  | 'deleted';

/** What a work item of the reconciler (functions/reconcile-work-items) asks of it. */
export type ReconcileKind =
  /** A job given up on that may still finish and be billed: learn how it ended, record its cost. */
  | 'provider_job'
  /** A create attempted without a saved job id: find the job among the provider's, then as `provider_job`. */
  | 'orphan_search'
  /** The deadline watch: once no execution can still run, release a video still unsettled as `timed_out`. */
  | 'deadline'
  /** A held cancel: stop the job, settle the video from its outcome. */
  | 'cancel_settlement'
  /** Delete the provider's copy of a deleted or erased video's job once its money is settled. */
  | 'provider_delete';

/** A reconciler work item of one kind: a video's piece of reconciliation work. Times are unix seconds. */
export interface VideoWorkItem<K extends ReconcileKind = ReconcileKind> {
  /** Stored since kinds exist; an item written before carries none and is a `provider_job` (the reader says so). */
  kind: K;
  videoId: string;
  userId: string;
  /** The provider job; null for a deadline watch and for an orphan search until the job is found. */
  providerVideoId: string | null;
  reason: ReconcileReason;
  /** When reelflow gave up on the video (for a deadline watch: its deadline); the lookback window runs from here. */
  givenUpAt: number;
  /** When the item should be looked at next (part of the sort key). */
  dueAt: number;
  /** How many times the job was found still running (or, for an orphan search, not found yet). */
  checks: number;
  /** How many times looking at it failed with an unexpected error (absent: none). */
  failures?: number;
}

/** One piece of the reconciler's work (pk `RECONCILE`), by its kind. */
export type ReconcileWorkItem = { [K in ReconcileKind]: VideoWorkItem<K> }[ReconcileKind];

/** The reconciler's work items of the kinds `K` (a union of them when `K` is). */
export type WorkItemOf<K extends ReconcileKind> = Extract<ReconcileWorkItem, { kind: K }>;

/**
 * An erasure of a user's data to carry out (functions/erase-user-data), queued in its own partition (pk `ERASURE`,
 * shared/erasure/erasure-queue.ts). Times are unix seconds.
 */
export interface UserErasureWorkItem {
  kind: 'user_erasure';
  /** The erasure (`era_…`, shared/erasure/user-erasures.ts). */
  erasureId: string;
  userId: string;
  /** When the erasure was requested (or queued again); a failing item is retried within a window from here. */
  requestedAt: number;
  /** When the item should be run next (part of the sort key). */
  dueAt: number;
  /** How many runs went on to a later one. */
  checks: number;
  /** How many runs failed with an unexpected error (absent: none). */
  failures?: number;
  /**
   * Queued in the reconciler's partition (`RECONCILE`, sk `{dueAt}#{erasureId}#user_erasure`) before erasures had
   * their own: where removing or moving the item finds it. A move puts it in the erasure partition.
   */
  inReconcilePartition?: true;
}

/** Every work item kind stored in the table. */
export type WorkItem = ReconcileWorkItem | UserErasureWorkItem;

/** Failure codes that mean reelflow stopped following a job, not that the provider ended it. */
const GIVEN_UP_CODES = new Set<string>([
  'timed_out',
  'provider_failed',
  'provider_unavailable',
  'provider_rate_limited',
]);

/**
 * How long after a release an orphan search starts: an in-flight CreateGenerationJob attempt (60 s function
 * timeout) has ended by then, and if it got a job it wrote a `provider_job` item itself.
 */
export const ORPHAN_SEARCH_DELAY_SECONDS = 120;

/**
 * The work item for a video just released (its state after the release), or undefined when it needs no
 * reconciliation: no job and no create attempt, a job the provider ended itself (`failed` with the provider's
 * code), or a completed video. A video with create attempts but no saved job id gets an orphan search.
 */
export function reconcileWorkItemFor(video: VideoRecord, now: number): ReconcileWorkItem | undefined {
  let reason: ReconcileReason;
  if (video.status === 'cancelled') reason = 'cancelled';
  else if (video.status === 'failed' && video.error !== null && GIVEN_UP_CODES.has(video.error.code)) {
    reason = video.error.code as ReconcileReason;
  } else return undefined;
  const base = { videoId: video.videoId, userId: video.userId, reason, givenUpAt: now, checks: 0 };
  if (video.providerVideoId !== null && video.providerVideoId !== '') {
    return { ...base, kind: 'provider_job', providerVideoId: video.providerVideoId, dueAt: now };
  }
  if (video.providerCreateAttempts > 0) {
    return { ...base, kind: 'orphan_search', providerVideoId: null, dueAt: now + ORPHAN_SEARCH_DELAY_SECONDS };
  }
  return undefined;
}

/** The work item for a provider job accepted for a video that had ended meanwhile (create-generation-job). */
export function orphanedJobWorkItem(
  video: VideoRecord,
  providerVideoId: string,
  now: number,
): VideoWorkItem<'provider_job'> {
  return {
    kind: 'provider_job',
    videoId: video.videoId,
    userId: video.userId,
    providerVideoId,
    reason: 'orphaned',
    givenUpAt: now,
    dueAt: now,
    checks: 0,
  };
}

/**
 * The work item that settles a held cancel (its record after the cancel) from its provider job's outcome: due now,
 * or, without a job id (a create in flight), once that create has ended ({@link ORPHAN_SEARCH_DELAY_SECONDS}).
 */
export function cancelSettlementWorkItem(video: VideoRecord, now: number): VideoWorkItem<'cancel_settlement'> {
  const providerVideoId = video.providerVideoId === '' ? null : video.providerVideoId;
  return {
    kind: 'cancel_settlement',
    videoId: video.videoId,
    userId: video.userId,
    providerVideoId,
    reason: 'cancelled',
    givenUpAt: now,
    dueAt: providerVideoId === null ? now + ORPHAN_SEARCH_DELAY_SECONDS : now,
    checks: 0,
  };
}

/** The work item that deletes the provider's copy of a deleted video's job (`providerVideoId` set), due now. */
export function providerDeleteWorkItem(
  video: Pick<VideoRecord, 'videoId' | 'userId'> & { providerVideoId: string },
  now: number,
): VideoWorkItem<'provider_delete'> {
  return {
    kind: 'provider_delete',
    videoId: video.videoId,
    userId: video.userId,
    providerVideoId: video.providerVideoId,
    reason: 'deleted',
    givenUpAt: now,
    dueAt: now,
    checks: 0,
  };
}

/** The work item that carries out the erasure `erasureId` of a user's data, due now (shared/erasure/erasure-queue.ts). */
export function userErasureWorkItem(userId: string, erasureId: string, now: number): UserErasureWorkItem {
  return { kind: 'user_erasure', erasureId, userId, requestedAt: now, dueAt: now, checks: 0 };
}

/** The deadline watch of a video being reserved, due at `deadline` (shared/pipeline/duration.ts `deadlineWatchAt`). */
export function deadlineWatchItem(video: VideoRecord, deadline: number): VideoWorkItem<'deadline'> {
  return {
    kind: 'deadline',
    videoId: video.videoId,
    userId: video.userId,
    providerVideoId: null,
    reason: 'timed_out',
    givenUpAt: deadline,
    dueAt: deadline,
    checks: 0,
  };
}

/** The table item of a reconciler work item; DynamoDB's TTL removes it if it is left behind (see table-ttl.ts). */
export function reconcileItem(item: ReconcileWorkItem): Record<string, unknown> {
  return { ...workItemKey(item), entity: 'reconcile', ...item, [TABLE_TTL_ATTRIBUTE]: workItemPurgeAt(item.dueAt) };
}

/** The longest wait between two looks at a work item: a job still running, or one whose handling failed. */
export const MAX_RECHECK_DELAY_SECONDS = 6 * 3600;

/** How often an item may fail unexpectedly before it is abandoned (with backoff: about 4 h of retries). */
export const MAX_ITEM_FAILURES = 8;

/** The first wait after an unexpected failure; it doubles with each further failure. */
export const FIRST_FAILURE_DELAY_SECONDS = 60;

/**
 * When to look again at an item whose handling failed for the `failures`-th time: 1 min, 2 min, 4 min ... at most
 * {@link MAX_RECHECK_DELAY_SECONDS}, never past the end of its window (`windowSeconds` after `since`: for a
 * reconciler item its lookback window from `givenUpAt`, for an erasure its retry window from `requestedAt`).
 */
export function failureDueAt(since: number, failures: number, now: number, windowSeconds: number): number {
  const delay = Math.min(MAX_RECHECK_DELAY_SECONDS, FIRST_FAILURE_DELAY_SECONDS * 2 ** Math.max(0, failures - 1));
  return Math.min(now + delay, since + windowSeconds);
}

/** The reconciler's work items, as it sees them. */
export interface ReconcileQueue {
  /** Up to `limit` items due at `now` or earlier, earliest first (never a `user_erasure`: not the reconciler's). */
  due(now: number, limit: number): Promise<ReconcileWorkItem[]>;
  /** Writes an item (e.g. an orphaned provider job); writing the same item again is not an error. */
  add(item: ReconcileWorkItem): Promise<void>;
  /** Removes an item (done or abandoned). Removing one that is gone already is not an error. */
  remove(item: ReconcileWorkItem): Promise<void>;
  /**
   * Moves an item to `dueAt` (later than its current due time) with its check (or, for `'failure'`, its failure)
   * counted; false (nothing written) when the item is no longer there, e.g. another run handled it.
   */
  reschedule(item: ReconcileWorkItem, dueAt: number, counted?: 'check' | 'failure'): Promise<boolean>;
}

/**
 * The DynamoDB work items of the reconciler (one partition, sorted by due time; strongly consistent queries). The
 * partition may still hold `user_erasure` items queued before erasures had their own partition: this queue never
 * returns them (functions/erase-user-data reads them, shared/erasure/erasure-queue.ts).
 */
export class DynamoReconcileQueue implements ReconcileQueue {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: TransactOptions = {},
  ) {}

  async due(now: number, limit: number): Promise<ReconcileWorkItem[]> {
    const items: ReconcileWorkItem[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page: QueryCommandOutput = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk <= :upTo',
          FilterExpression: 'attribute_not_exists(kind) OR kind <> :erasure',
          ExpressionAttributeValues: {
            ':pk': RECONCILE_PARTITION,
            ':upTo': reconcileDueUpTo(now),
            ':erasure': 'user_erasure',
          },
          ConsistentRead: true,
          Limit: limit - items.length,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const stored of page.Items ?? []) {
        const item = workItemFromTable(stored);
        if (item.kind !== 'user_erasure') items.push(item);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined && items.length < limit);
    return items;
  }

  async add(item: ReconcileWorkItem): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: reconcileItem(item) }));
  }

  async remove(item: ReconcileWorkItem): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: workItemKey(item) }));
  }

  async reschedule(item: ReconcileWorkItem, dueAt: number, counted: 'check' | 'failure' = 'check'): Promise<boolean> {
    if (dueAt <= item.dueAt) throw new Error(`A work item can only move later (${item.dueAt} → ${dueAt})`);
    const outcome = await transactWrite(
      this.client,
      [
        {
          Delete: {
            TableName: this.tableName,
            Key: workItemKey(item),
            ConditionExpression: 'attribute_exists(pk)',
          },
        },
        {
          Put: {
            TableName: this.tableName,
            Item: reconcileItem(movedItem(item, dueAt, counted)),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
      this.options,
    );
    return outcome.committed;
  }
}

/** An item moved to `dueAt` with one more check or failure counted. */
export function movedItem<T extends WorkItem>(item: T, dueAt: number, counted: 'check' | 'failure'): T {
  return counted === 'check'
    ? { ...item, dueAt, checks: item.checks + 1 }
    : { ...item, dueAt, failures: (item.failures ?? 0) + 1 };
}

/**
 * A work item as stored in either partition, read back. Items written before kinds existed carry no kind: a
 * `provider_job`. A `user_erasure` item written to the reconciler's partition (before erasures had their own) kept
 * its erasure id in `videoId` and its request time in `givenUpAt`: read as the erasure item it is.
 */
export function workItemFromTable(item: Record<string, unknown>): WorkItem {
  const times = {
    dueAt: Number(item.dueAt),
    checks: Number(item.checks ?? 0),
    ...(item.failures === undefined ? {} : { failures: Number(item.failures) }),
  };
  if (item.kind === 'user_erasure') {
    return {
      kind: 'user_erasure',
      erasureId: String(item.erasureId ?? item.videoId),
      userId: String(item.userId),
      requestedAt: Number(item.requestedAt ?? item.givenUpAt),
      ...times,
    };
  }
  return {
    kind: typeof item.kind === 'string' ? (item.kind as ReconcileKind) : 'provider_job',
    videoId: String(item.videoId),
    userId: String(item.userId),
    providerVideoId: typeof item.providerVideoId === 'string' ? item.providerVideoId : null,
    reason: item.reason as ReconcileReason,
    givenUpAt: Number(item.givenUpAt),
    ...times,
  };
}

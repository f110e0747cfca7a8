import { createHash } from 'node:crypto';

// Every key of the main table is built here; which item has which key, and the reads the keys serve:
// docs/ARCHITECTURE.md, "The main table".

/** A table key. */
export interface TableKey {
  pk: string;
  sk: string;
}

/** The partition of everything kept per user (usage, ledger, limits, quotas, key claims). */
export const userPartition = (userId: string) => `USER#${userId}`;

/** A video's item. */
export const videoKey = (videoId: string): TableKey => ({ pk: `VIDEO#${videoId}`, sk: 'VIDEO' });
/** Prefix of gsi1 sort keys: a user's videos. */
export const USER_VIDEOS_PREFIX = 'VIDEO#';
/** A video's place in its user's list (gsi1); removed when the video is deleted. */
export const videoIndexKeys = (userId: string, videoId: string) => ({
  gsi1pk: userPartition(userId),
  gsi1sk: `${USER_VIDEOS_PREFIX}${videoId}`,
});
/** The partition of what is kept per provider job: its claim, the task token waiting for it, its events. */
export const providerJobPartition = (providerVideoId: string) => `PROVIDERJOB#${providerVideoId}`;
/** The claim that ties a provider job to one video. */
export const providerJobKey = (providerVideoId: string): TableKey => ({
  pk: providerJobPartition(providerVideoId),
  sk: 'CLAIM',
});
/**
 * A video's create attempts for a provider job of one fingerprint (what the provider's job list shows of it: model,
 * prompt, seconds, size, remix source; see shared/pipeline/orphaned-job.ts). The partition lists every video that
 * asked for such a job, which is what tells an orphaned job's adoption whether the job can only be its own.
 */
export const jobFingerprintKey = (fingerprint: string, videoId: string): TableKey => ({
  pk: `JOBFINGERPRINT#${fingerprint}`,
  sk: `VIDEO#${videoId}`,
});
/** The task token an execution waits on until the provider's webhook says the job finished. */
export const taskTokenKey = (providerVideoId: string): TableKey => ({
  pk: providerJobPartition(providerVideoId),
  sk: 'TASKTOKEN',
});
/** Sort key prefix of the provider webhook events received for a job. */
export const PROVIDER_JOB_EVENT_PREFIX = 'EVENT#';
/** One provider webhook event (by its `webhook-id`, the same for every delivery of the event). */
export const providerJobEventKey = (providerVideoId: string, webhookId: string): TableKey => ({
  pk: providerJobPartition(providerVideoId),
  sk: `${PROVIDER_JOB_EVENT_PREFIX}${webhookId}`,
});

/** A user's usage aggregates for a month. */
export const usageKey = (userId: string, month: string): TableKey => ({
  pk: userPartition(userId),
  sk: `USAGE#${month}`,
});
/** gsi2's partition: every user's usage item of a month. */
export const monthUsagePartition = (month: string) => `USAGE#${month}`;
/** A usage item's place in its month's list (gsi2). */
export const usageIndexKeys = (userId: string, month: string) => ({
  gsi2pk: monthUsagePartition(month),
  gsi2sk: userPartition(userId),
});
/** Sort key prefix of a user's ledger entries of a month. */
export const ledgerPrefix = (month: string) => `LEDGER#${month}#`;
export const ledgerKey = (userId: string, month: string, videoId: string): TableKey => ({
  pk: userPartition(userId),
  sk: `${ledgerPrefix(month)}${videoId}`,
});
/** Sort key prefix of a user's provider costs of a month. */
export const providerCostPrefix = (month: string) => `PROVIDERCOST#${month}#`;
export const providerCostKey = (userId: string, month: string, videoId: string): TableKey => ({
  pk: userPartition(userId),
  sk: `${providerCostPrefix(month)}${videoId}`,
});
/** Sort key prefix of a user's audit records: all of them, or (with `month`) those of one month. */
export const auditPrefix = (month?: string) => (month === undefined ? 'AUDIT#' : `AUDIT#${month}#`);
/** An audit record about a user (the user whose data changed), written in the month of its id's time. */
export const auditKey = (userId: string, month: string, auditId: string): TableKey => ({
  pk: userPartition(userId),
  sk: `${auditPrefix(month)}${auditId}`,
});
/** gsi2's partition of every audit record of a month (apart from the usage partition of the same month). */
export const monthAuditPartition = (month: string) => `AUDIT#${month}`;
/** An audit record's place in its month's list (gsi2); audit ids sort by time. */
export const auditIndexKeys = (month: string, auditId: string) => ({
  gsi2pk: monthAuditPartition(month),
  gsi2sk: auditId,
});
export const limitsKey = (userId: string): TableKey => ({ pk: userPartition(userId), sk: 'LIMITS' });
/** The latest erasure of a user's data (shared/erasure/user-erasures.ts). */
export const erasureKey = (userId: string): TableKey => ({ pk: userPartition(userId), sk: 'ERASURE' });
export const activeKey = (userId: string): TableKey => ({ pk: userPartition(userId), sk: 'ACTIVE' });
export const dayKey = (userId: string, day: string): TableKey => ({ pk: userPartition(userId), sk: `DAY#${day}` });
/** The count of a user's rated action (upload URLs, webhook deliveries) in one UTC minute (`YYYY-MM-DDTHH:MM`). */
export const userMinuteRateKey = (userId: string, action: string, minute: string): TableKey => ({
  pk: userPartition(userId),
  sk: `RATE#${action}#${minute}`,
});

/**
 * A user's claim on an Idempotency-Key; keys are per user and shared by create and remix. Only a hash is stored:
 * the client's key may carry anything.
 */
export const idempotencyGuardKey = (userId: string, key: string): TableKey => ({
  pk: userPartition(userId),
  sk: `IDEMPOTENCY#${createHash('sha256').update(key).digest('hex')}`,
});

/** The one partition of the reconciler's work items (functions/reconcile-work-items), sorted by due time. */
export const RECONCILE_PARTITION = 'RECONCILE';
/** Unix seconds zero-padded to 10 digits, so sort keys order by due time (work items of both partitions, deliveries). */
export const reconcileDuePrefix = (dueAt: number) => String(Math.max(0, Math.floor(dueAt))).padStart(10, '0');
/**
 * Sort key bound that includes every work item due in second `dueAt`, in either work item partition (`~` sorts
 * after every video id and erasure id character).
 */
export const reconcileDueUpTo = (dueAt: number) => `${reconcileDuePrefix(dueAt)}#~`;
export const reconcileKey = (dueAt: number, videoId: string): TableKey => ({
  pk: RECONCILE_PARTITION,
  sk: `${reconcileDuePrefix(dueAt)}#${videoId}`,
});
/**
 * A reconciler work item: one item per video, kind and due second. `provider_job` items (and items written before
 * kinds existed) carry no kind suffix.
 */
export function workItemKey(item: { kind?: string; dueAt: number; videoId: string }): TableKey {
  const key = reconcileKey(item.dueAt, item.videoId);
  return item.kind === undefined || item.kind === 'provider_job' ? key : { ...key, sk: `${key.sk}#${item.kind}` };
}
/**
 * The one partition of user erasure work items (functions/erase-user-data), sorted by due time like `RECONCILE`.
 * Erasures queued before it existed are in `RECONCILE` (sk `{dueAt}#{erasureId}#user_erasure`, {@link workItemKey}).
 */
export const ERASURE_PARTITION = 'ERASURE';
/** A user erasure's work item: one per erasure and due second. */
export const erasureWorkItemKey = (item: { dueAt: number; erasureId: string }): TableKey => ({
  pk: ERASURE_PARTITION,
  sk: `${reconcileDuePrefix(item.dueAt)}#${item.erasureId}`,
});

/** Sort key prefix of a user's webhook endpoints. */
export const WEBHOOK_ENDPOINT_PREFIX = 'WEBHOOK#';
/** A user's webhook endpoint (its secrets included). */
export const webhookEndpointKey = (userId: string, endpointId: string): TableKey => ({
  pk: userPartition(userId),
  sk: `${WEBHOOK_ENDPOINT_PREFIX}${endpointId}`,
});
/** The count of a user's webhook endpoints, kept in the transactions that create and delete one (the cap). */
export const webhookEndpointCountKey = (userId: string): TableKey => ({
  pk: userPartition(userId),
  sk: 'WEBHOOKCOUNT',
});
/** Sort key prefix of the bodies of a user's events being delivered. */
export const WEBHOOK_EVENT_BODY_PREFIX = 'WEBHOOKEVENT#';
/** The body of an event being delivered, in its user's partition (an erasure removes it with the rest). */
export const webhookEventBodyKey = (userId: string, eventId: string): TableKey => ({
  pk: userPartition(userId),
  sk: `${WEBHOOK_EVENT_BODY_PREFIX}${eventId}`,
});
/** The one partition of webhook events waiting to be dispatched. */
export const WEBHOOK_OUTBOX_PARTITION = 'WEBHOOKOUTBOX';
/** The outbox item of a video reaching a status: one per video and status, whoever writes it. */
export const webhookOutboxKey = (videoId: string, eventType: string): TableKey => ({
  pk: WEBHOOK_OUTBOX_PARTITION,
  sk: `${videoId}#${eventType}`,
});
/** The partition of an endpoint's deliveries. */
export const webhookDeliveriesPartition = (endpointId: string) => `WEBHOOK#${endpointId}`;
/** Sort key prefix of an endpoint's deliveries. */
export const WEBHOOK_DELIVERY_PREFIX = 'DELIVERY#';
/** One event's delivery to one endpoint, sorted by the event's time. */
export const webhookDeliveryKey = (endpointId: string, eventCreatedAt: number, eventId: string): TableKey => ({
  pk: webhookDeliveriesPartition(endpointId),
  sk: `${WEBHOOK_DELIVERY_PREFIX}${reconcileDuePrefix(eventCreatedAt)}#${eventId}`,
});
/** The provider admission gate's semaphore (leases and waiting tickets) of one provider account (shared/provider/gate). */
export const providerGateSlotsKey = (provider: string): TableKey => ({ pk: `PROVIDERGATE#${provider}`, sk: 'SLOTS' });
/** The provider admission gate's request tokens (a rolling window of requests per minute) of one provider account. */
export const providerGateTokensKey = (provider: string): TableKey => ({ pk: `PROVIDERGATE#${provider}`, sk: 'TOKENS' });

/*
 * Which items of the main table DynamoDB deletes by itself (its TTL), and when. Plain data: infra names the attribute
 * in the table's TimeToLiveSpecification, the money code writes the values. TTL deletion runs up to a few days late,
 * so no reader relies on it: every item that expires also carries the time it stops counting (a claim's `expiresAt`,
 * a counter's day), and TTL only keeps dead items from piling up.
 *
 * | item                                   | deleted after                                                    |
 * | -------------------------------------- | ---------------------------------------------------------------- |
 * | `DAY#{YYYY-MM-DD}` count of creates    | the end of the UTC day after it (the daily quota reads today's)  |
 * | `WEBHOOKEVENT#…` body of an event      | its retry window (24 h) and a day after the event                 |
 * | `RATE#{action}#{minute}` count          | a day after its minute (a rate reads only the current minute)     |
 * | `IDEMPOTENCY#…` claim on a key         | its `expiresAt` (24 h after the claim; expired claims are absent)|
 * | `RECONCILE` / `ERASURE` work item      | 30 days after it fell due: a backstop only. Finished items are   |
 * |                                        | removed by the reconciler (erasures: erase-user-data); one still |
 * |                                        | there a month after it fell due was left behind (the reconciler  |
 * |                                        | follows a job for 48 hours; a moved item's TTL moves with it)    |
 * | `PROVIDERJOB#…` `TASKTOKEN` / `EVENT#…`  | 7 days after it was written: the provider-webhook path's items;  |
 * |                                        | no execution waits that long (its own timeout ends it first)     |
 * | `JOBFINGERPRINT#…` create attempts     | 7 days after the last attempt: the orphan search looks back an   |
 * |                                        | hour or two (readers compare the attempt time, not the TTL)      |
 *
 * Cost records (ledger, provider costs, usage, audit) and videos never expire.
 */

/** The main table's TTL attribute: unix seconds after which DynamoDB may delete the item. */
export const TABLE_TTL_ATTRIBUTE = 'purgeAt';

const DAY_SECONDS = 24 * 60 * 60;

/** How long after it fell due a work item left behind is kept. */
export const WORK_ITEM_RETENTION_SECONDS = 30 * DAY_SECONDS;

/** When the creates counter of a UTC day (`YYYY-MM-DD`) may go: the end of the next UTC day. */
export function dayCounterPurgeAt(day: string): number {
  return Math.floor(Date.parse(`${day}T00:00:00Z`) / 1000) + 2 * DAY_SECONDS;
}

/** When a rated action's count of a UTC minute (`YYYY-MM-DDTHH:MM`) may go: a day after the minute. */
export function minuteCounterPurgeAt(minute: string): number {
  return Math.floor(Date.parse(`${minute}:00Z`) / 1000) + DAY_SECONDS;
}

/** When a work item due at `dueAt` may go if nobody removed it. */
export function workItemPurgeAt(dueAt: number): number {
  return dueAt + WORK_ITEM_RETENTION_SECONDS;
}

/** How long a task token or a provider event item is kept (provider-webhook path). */
export const PROVIDER_CALLBACK_RETENTION_SECONDS = 7 * DAY_SECONDS;

/** When a task token or provider event item written at `writtenAt` (unix seconds) may go. */
export function providerCallbackPurgeAt(writtenAt: number): number {
  return writtenAt + PROVIDER_CALLBACK_RETENTION_SECONDS;
}

/** When a video's record of create attempts for a job fingerprint, last attempted at `attemptAt`, may go. */
export function jobFingerprintPurgeAt(attemptAt: number): number {
  return attemptAt + 7 * DAY_SECONDS;
}

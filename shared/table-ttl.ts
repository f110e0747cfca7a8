// Which items of the main table DynamoDB's TTL deletes, and when (plain data: infra names the attribute, the writers
// set it): docs/ARCHITECTURE.md, "What the main table's TTL removes".

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

/*
 * Table keys of the money items (notes/contract.md, "DynamoDB"), plus the two this module adds:
 *
 * | item                          | pk              | sk                                  | gsi2pk / gsi2sk                  |
 * | ----------------------------- | --------------- | ----------------------------------- | -------------------------------- |
 * | user's month usage            | `USER#{userId}` | `USAGE#{YYYY-MM}`                   | `USAGE#{YYYY-MM}` / `USER#{userId}` |
 * | ledger entry (charged video)  | `USER#{userId}` | `LEDGER#{YYYY-MM}#{videoId}`        | –                                |
 * | provider cost, user not charged | `USER#{userId}` | `PROVIDERCOST#{YYYY-MM}#{videoId}` | –                                |
 * | user limits (overrides)       | `USER#{userId}` | `LIMITS`                            | –                                |
 * | videos not yet terminal       | `USER#{userId}` | `ACTIVE`                            | –                                |
 * | videos created on a UTC day   | `USER#{userId}` | `DAY#{YYYY-MM-DD}`                  | –                                |
 * | provider job to reconcile     | `RECONCILE`     | `{dueAt, 10 digits}#{videoId}`      | –                                |
 * | orphan search / deadline watch | `RECONCILE`    | `{dueAt}#{videoId}#{kind}`          | –                                |
 * | Idempotency-Key claim (24 h)  | `USER#{userId}` | `IDEMPOTENCY#{sha256(key), hex}`    | –                                |
 *
 * The Idempotency-Key claim is written by reserve() in its transaction (idempotency-guard.ts): videoId,
 * requestHash, createdAt, expiresAt; an expired claim is overwritten by the key's next request.
 */

export const userPartition = (userId: string) => `USER#${userId}`;

export const usageKey = (userId: string, month: string) => ({ pk: userPartition(userId), sk: `USAGE#${month}` });
export const usageIndexKeys = (userId: string, month: string) => ({
  gsi2pk: `USAGE#${month}`,
  gsi2sk: userPartition(userId),
});
export const ledgerKey = (userId: string, month: string, videoId: string) => ({
  pk: userPartition(userId),
  sk: `LEDGER#${month}#${videoId}`,
});
export const providerCostKey = (userId: string, month: string, videoId: string) => ({
  pk: userPartition(userId),
  sk: `PROVIDERCOST#${month}#${videoId}`,
});
export const limitsKey = (userId: string) => ({ pk: userPartition(userId), sk: 'LIMITS' });
export const activeKey = (userId: string) => ({ pk: userPartition(userId), sk: 'ACTIVE' });
export const dayKey = (userId: string, day: string) => ({ pk: userPartition(userId), sk: `DAY#${day}` });
/** The one partition of reconciliation work items, sorted by due time (see reconciliation.ts). */
export const RECONCILE_PARTITION = 'RECONCILE';
/** Unix seconds zero-padded to 10 digits, so sort keys order by due time. */
export const reconcileDuePrefix = (dueAt: number) => String(Math.max(0, Math.floor(dueAt))).padStart(10, '0');
export const reconcileKey = (dueAt: number, videoId: string) => ({
  pk: RECONCILE_PARTITION,
  sk: `${reconcileDuePrefix(dueAt)}#${videoId}`,
});

/** `YYYY-MM` of a date in UTC. */
export function monthOf(date: Date): string {
  return date.toISOString().slice(0, 7);
}

/** `YYYY-MM-DD` of a date in UTC. */
export function dayOf(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Whole seconds from `date` to the next UTC midnight (at least 1). */
export function secondsUntilUtcMidnight(date: Date): number {
  const midnight = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() + 1);
  return Math.max(1, Math.ceil((midnight - date.getTime()) / 1000));
}

/** A `YYYY-MM` month, 2000-01 to 2999-12. */
export const MONTH_PATTERN = /^2\d{3}-(0[1-9]|1[0-2])$/;

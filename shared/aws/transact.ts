import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';

type TransactItems = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>;
/** One item of a TransactWriteItems request (document client shapes). */
export type TransactItem = TransactItems[number];

/** The outcome of a transaction: committed, or cancelled with one reason code per item (`None` for the others). */
export type TransactOutcome = { committed: true } | { committed: false; reasons: string[] };

export interface TransactOptions {
  /** Attempts while DynamoDB cancels for `TransactionConflict` (another transaction on the same items). */
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs TransactWriteItems. A cancellation for failed conditions is returned as `reasons` (the caller decides what
 * each means); one caused only by concurrent transactions on the same items is retried with full-jitter backoff,
 * since nothing was written and the conditions may still hold. Every other error propagates.
 *
 * Every send of one call carries the same ClientRequestToken. The SDK's own retries resend one request (and its
 * token), but a conflict answered to such a retry can follow an attempt that was applied and whose answer was lost
 * (its items still locked by it): the send after the conflict must then be recognised as that same transaction
 * (DynamoDB answers it as done) rather than fail its conditions against its own write.
 */
export async function transactWrite(
  client: DynamoDBDocumentClient,
  items: TransactItem[],
  options: TransactOptions = {},
): Promise<TransactOutcome> {
  const maxAttempts = options.maxAttempts ?? 25;
  const sleep = options.sleep ?? defaultSleep;
  const token = randomUUID();
  for (let attempt = 1; ; attempt++) {
    try {
      await client.send(new TransactWriteCommand({ TransactItems: items, ClientRequestToken: token }));
      return { committed: true };
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (reasons === undefined) throw error;
      if (reasons.includes('ConditionalCheckFailed') || !isRetryable(reasons) || attempt >= maxAttempts) {
        if (!reasons.includes('ConditionalCheckFailed')) throw error;
        return { committed: false, reasons };
      }
      await sleep(Math.random() * Math.min(1000, 20 * 2 ** Math.min(attempt, 6)));
    }
  }
}

/** The reason codes of a TransactionCanceledException, in item order; undefined for any other error. */
export function cancellationReasons(error: unknown): string[] | undefined {
  const cancelled = error as { name?: string; CancellationReasons?: Array<{ Code?: string }> } | null;
  if (cancelled?.name !== 'TransactionCanceledException') return undefined;
  return (cancelled.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
}

function isRetryable(reasons: string[]): boolean {
  return reasons.some((code) => code === 'TransactionConflict' || code === 'ThrottlingError');
}

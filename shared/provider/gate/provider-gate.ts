import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from '../../aws/condition-failure';
import { providerGateSlotsKey, providerGateTokensKey, type TableKey } from '../../table-keys';
import { GATE_MARGIN_SECONDS, MIN_REQUESTS_PER_JOB, PROVIDER_GATE_POLICY } from './policy';

/*
 * The provider admission gate: what reelflow may ask of one provider account at a time, kept in DynamoDB so that
 * every Lambda (and every execution) shares it.
 * - A semaphore of `maxConcurrentJobs` slots. A job holds a slot from before its create until the provider ends it
 *   (completed, failed, deleted). A slot is a lease: renewed at every poll, it lapses by itself when nobody renews it
 *   (an execution stopped or timed out), so slots never leak. Waiters hold tickets (first come, first served) that
 *   travel in the execution's state, so a waiter keeps its place even if its queue entry lapsed meanwhile.
 * - A rolling window of `requestsPerMinute`: every provider request (create, poll, download, list) takes a token; the
 *   gate keeps when it handed out the last minute's tokens and grants one when fewer than `requestsPerMinute` were
 *   handed out in the last minute (plus a margin), so no rolling minute at the provider sees more than its limit.
 * Each item is read, changed in memory and written back with a condition on its version (optimistic concurrency);
 * a lost race reads again, a few times, and then answers "wait" like a full gate: nobody sleeps in a Lambda, the
 * caller's execution waits in a Wait state.
 */

/** The gate's limits and timings for one provider. */
export interface ProviderGateLimits {
  /** Jobs that may run at the provider at once. */
  maxConcurrentJobs: number;
  /** The provider's requests per rolling minute: the gate hands out at most this many in any minute. */
  requestsPerMinute: number;
  /** How long a slot's lease lasts unless renewed, in seconds: longer than the longest gap between two polls. */
  leaseSeconds: number;
  /**
   * How long the provider's rate-limit minute lasts, in seconds (the window `requestsPerMinute` is counted over).
   * A token wait is told in seconds of a 60-second minute, the unit the Wait states that serve it are written in, so
   * a window shortened together with every Wait state (a time-scaled test stack) keeps its waits in proportion.
   * @default 60
   */
  windowSeconds?: number;
  /**
   * Real seconds added to the window the gate counts over, for the time between a grant and the request's arrival at
   * the provider (a grant made just inside the gate's minute may arrive just after the provider's). Not scaled with
   * `windowSeconds`: that time is the way from a Lambda to the provider, the same in a time-scaled test stack. Every
   * token is taken just before its request, so a second covers it. Costs margin ÷ (window + margin) of the rate:
   * 1.6 % of a 60-second minute. @default GATE_MARGIN_SECONDS (1)
   */
  marginSeconds?: number;
  /** A waiter not seen for this long no longer counts ahead of others (its ticket still does when it returns). @default 300 */
  queueStaleSeconds?: number;
  /** Shortest and longest wait suggested to a waiter for a slot, in seconds. @default 2 and PROVIDER_GATE_POLICY.maxWaitSeconds */
  minSlotWaitSeconds?: number;
  maxSlotWaitSeconds?: number;
}

/** What the gate needs. */
export interface ProviderGateDeps {
  ddb: Pick<DynamoDBDocumentClient, 'send'>;
  tableName: string;
  /** The provider's name in the gate's keys (e.g. the host of its base URL): one gate per provider account. */
  provider: string;
  limits: ProviderGateLimits;
  clock: () => Date;
  /** Read-modify-write attempts before a lost race answers "wait". @default 5 */
  maxAttempts?: number;
}

/** The answer to a request for a slot. */
export type SlotDecision =
  | { granted: true }
  | {
      granted: false;
      /** The waiter's place in line: keep it and ask again with it (absent when the gate could not be written). */
      ticket?: number;
      /** Waiters ahead of this one, plus one. */
      position: number;
      /** How long to wait before asking again (whole seconds, >= 1). */
      waitSeconds: number;
    };

/** The answer to a request for tokens. */
export type TokenDecision =
  | { granted: true }
  | {
      granted: false;
      /** How long to wait in a Wait state, in seconds of a 60-second minute (see `windowSeconds`); >= 1. */
      waitSeconds: number;
      /** How long until the token is due, in real milliseconds (a caller that waits in its own process). */
      waitMs: number;
    };

interface SlotsItem {
  /** Holder (video id) → lease end, unix seconds. */
  leases: Record<string, number>;
  /** Waiter (video id) → its ticket and when it last asked (unix seconds). */
  queue: Record<string, { t: number; seen: number }>;
  nextTicket: number;
  version: number;
}

interface TokensItem {
  /** Tokens handed out in the last window, oldest first: [when (unix milliseconds), how many]. */
  grants?: Array<[number, number]>;
  version: number;
}

/** The gate's slots item could not be created for lost races (a first write under a crowd): the caller retries. */
export class ProviderGateBusyError extends Error {
  override readonly name = 'ProviderGateBusyError';

  constructor(provider: string) {
    super(`The admission gate's slots of ${provider} could not be written: every attempt lost its race`);
  }
}

/** The gate of one provider; see the module comment. */
export class ProviderGate {
  private readonly limits: Required<ProviderGateLimits>;

  constructor(private readonly deps: ProviderGateDeps) {
    this.limits = {
      marginSeconds: GATE_MARGIN_SECONDS,
      windowSeconds: 60,
      queueStaleSeconds: 300,
      minSlotWaitSeconds: 2,
      maxSlotWaitSeconds: PROVIDER_GATE_POLICY.maxWaitSeconds,
      ...deps.limits,
    };
  }

  /**
   * Takes a slot for `holder` when one is free and no live waiter with an earlier ticket is still waiting; else
   * queues `holder` (with `ticket` when it already has one) and says how long to wait. Asking again while holding a
   * slot renews it (a retried task does not take a second slot).
   */
  async acquireSlot(holder: string, ticket?: number): Promise<SlotDecision> {
    let decision: SlotDecision | undefined;
    const written = await this.update<SlotsItem>(providerGateSlotsKey(this.deps.provider), emptySlots, (item) => {
      const now = this.nowSeconds();
      const leases = liveLeases(item.leases, now);
      const queue = liveQueue(item.queue, now - this.limits.queueStaleSeconds);
      if (leases[holder] !== undefined) {
        decision = { granted: true };
        return { ...item, leases: { ...leases, [holder]: now + this.limits.leaseSeconds }, queue };
      }
      const mine = ticket ?? queue[holder]?.t ?? item.nextTicket;
      const nextTicket = Math.max(item.nextTicket, mine + 1);
      const ahead = Object.entries(queue).filter(([id, entry]) => id !== holder && entry.t < mine).length;
      const free = this.limits.maxConcurrentJobs - Object.keys(leases).length;
      if (ahead < free) {
        decision = { granted: true };
        const { [holder]: _served, ...waiting } = queue;
        return {
          leases: { ...leases, [holder]: now + this.limits.leaseSeconds },
          queue: waiting,
          nextTicket,
          version: item.version,
        };
      }
      const position = ahead - Math.max(0, free) + 1;
      decision = { granted: false, ticket: mine, position, waitSeconds: this.slotWait(position) };
      const seen = queue[holder]?.seen;
      // Most checks only read: a waiter's entry is rewritten when it is new or getting old.
      if (seen !== undefined && seen > now - this.limits.queueStaleSeconds / 3 && nextTicket === item.nextTicket) {
        return undefined;
      }
      return { leases, queue: { ...queue, [holder]: { t: mine, seen: now } }, nextTicket, version: item.version };
    });
    if (!written || decision === undefined) {
      // Every attempt lost its race: busy gate, ask again soon, keeping the ticket the caller came with.
      return {
        granted: false,
        ...(ticket === undefined ? {} : { ticket }),
        position: 1,
        waitSeconds: this.limits.minSlotWaitSeconds,
      };
    }
    return decision;
  }

  /**
   * Extends `holder`'s lease (each poll of a running job). A lease that lapsed is taken again: the job runs at the
   * provider whoever thought the slot free, and counting it keeps the gate honest.
   */
  async renewSlot(holder: string): Promise<void> {
    const leaseEnd = this.nowSeconds() + this.limits.leaseSeconds;
    await this.edit(holder, 'SET #leases.#holder = :leaseEnd', { ':leaseEnd': leaseEnd }, (item) => ({
      ...item,
      leases: { ...item.leases, [holder]: leaseEnd },
    }));
  }

  /** Frees `holder`'s slot (its job ended at the provider) and its place in line; nothing when it has neither. */
  async releaseSlot(holder: string): Promise<void> {
    await this.edit(holder, 'REMOVE #leases.#holder, #queue.#holder', {}, (item) => {
      const { [holder]: _released, ...leases } = item.leases;
      const { [holder]: _gone, ...queue } = item.queue;
      return { ...item, leases, queue };
    });
  }

  /**
   * Takes `holder` out of the line for a slot (its video was cancelled before the provider accepted a job: its
   * execution is stopped and never asks again). Without this its entry would count ahead of later waiters until it
   * went stale. A lease it holds is left alone: a create may be in flight, and the lease follows that job or lapses.
   */
  async leaveQueue(holder: string): Promise<void> {
    await this.edit(holder, 'REMOVE #queue.#holder', {}, (item) => {
      const { [holder]: _gone, ...queue } = item.queue;
      return { ...item, queue };
    });
  }

  /**
   * Changes one holder's entries in place: one UpdateItem that also moves the version, so it never loses a race
   * (under a crowd of waiters a read-modify-write release lost every attempt and the slot stayed taken until its
   * lease lapsed) and a taker that read before it fails its conditional write and reads again. Only when the item
   * does not exist yet is it written whole.
   */
  private async edit(
    holder: string,
    expression: string,
    values: Record<string, number>,
    whole: (item: SlotsItem) => SlotsItem,
  ): Promise<void> {
    const key = providerGateSlotsKey(this.deps.provider);
    try {
      await this.deps.ddb.send(
        new UpdateCommand({
          TableName: this.deps.tableName,
          Key: key,
          UpdateExpression: `${expression} ADD #version :one`,
          ConditionExpression: 'attribute_exists(#leases) AND attribute_exists(#queue)',
          ExpressionAttributeNames: {
            '#holder': holder,
            '#leases': 'leases',
            '#queue': 'queue',
            '#version': 'version',
          },
          ExpressionAttributeValues: { ...values, ':one': 1 },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const written = await this.update<SlotsItem>(key, emptySlots, whole);
      if (!written) throw new ProviderGateBusyError(this.deps.provider);
    }
  }

  /**
   * Takes `count` tokens when fewer than `requestsPerMinute` less `count` were handed out in the last window; else
   * says how long until enough of them age out of it: the exact moment the next grant can succeed, so a waiter told
   * that comes back in time.
   */
  async takeTokens(count = 1): Promise<TokenDecision> {
    // A rolling window, the provider's own count, rather than a token bucket: a bucket must refill at the limit less
    // its burst (a full bucket spent at once plus a minute's refill stays within the limit), and the tokens it
    // refills while nobody asks are lost once it is full. Under a crowd whose waiters came back late from a loaded
    // process a bucket of 3 at 57 a minute handed out 45 a minute; a window loses nothing to a late waiter.
    const windowMs = this.windowMs();
    // Grants are counted in steps of 1/240 of the provider's minute (250 ms), each recorded at its step's end: the
    // item stays small whatever the limit, and a grant leaves the window no sooner than it really does.
    const stepMs = (this.limits.windowSeconds * 1000) / 240;
    const limit = Math.max(this.limits.requestsPerMinute, count);
    let decision: TokenDecision | undefined;
    const written = await this.update<TokensItem>(
      providerGateTokensKey(this.deps.provider),
      () => ({ grants: [], version: 0 }),
      (item) => {
        const now = this.deps.clock().getTime();
        const grants = (item.grants ?? []).filter(([at]) => at > now - windowMs);
        let taken = grants.reduce((sum, [, n]) => sum + n, 0);
        if (taken + count <= limit) {
          decision = { granted: true };
          const stepEnd = Math.ceil(now / stepMs) * stepMs;
          const last = grants.at(-1);
          if (last !== undefined && last[0] === stepEnd) {
            return { grants: [...grants.slice(0, -1), [stepEnd, last[1] + count]], version: item.version };
          }
          return { grants: [...grants, [stepEnd, count]], version: item.version };
        }
        // The oldest grants age out first: wait until enough of them have.
        let freeAt = now;
        for (const [at, n] of grants) {
          taken -= n;
          freeAt = at + windowMs;
          if (taken + count <= limit) break;
        }
        const waitMs = Math.max(1, freeAt - now);
        // In seconds of a 60-second minute (see `windowSeconds`): the same as real seconds unless the window is shortened.
        const minuteMs = waitMs * (60_000 / (this.limits.windowSeconds * 1000));
        decision = { granted: false, waitSeconds: Math.max(1, Math.ceil(minuteMs / 1000)), waitMs };
        return undefined;
      },
    );
    if (!written || decision === undefined) return { granted: false, waitSeconds: 1, waitMs: 100 };
    return decision;
  }

  /** The window tokens are counted over, in milliseconds: the provider's minute and the margin. */
  private windowMs(): number {
    return (this.limits.windowSeconds + this.limits.marginSeconds) * 1000;
  }

  /** Slots held and waiters queued now (for operators and tests). */
  async snapshot(): Promise<{ running: string[]; waiting: number; tokens: number }> {
    const now = this.nowSeconds();
    const slots = (await this.read<SlotsItem>(providerGateSlotsKey(this.deps.provider)))?.item ?? emptySlots();
    const window = (await this.read<TokensItem>(providerGateTokensKey(this.deps.provider)))?.item;
    const since = this.deps.clock().getTime() - this.windowMs();
    const taken = (window?.grants ?? []).filter(([at]) => at > since).reduce((sum, [, n]) => sum + n, 0);
    return {
      running: Object.keys(liveLeases(slots.leases, now)),
      waiting: Object.keys(liveQueue(slots.queue, now - this.limits.queueStaleSeconds)).length,
      tokens: Math.max(0, this.limits.requestsPerMinute - taken),
    };
  }

  /**
   * About half the soonest a waiter's turn can come: a slot frees when a video is done, and a video takes at least
   * MIN_REQUESTS_PER_JOB requests, so at `requestsPerMinute` the waiter at `position` cannot be served within
   * `position` × that many requests' worth of the minute. Asking sooner only loads the gate: 300 waiters asking every
   * 2-30 s (the former wait, by rounds of `maxConcurrentJobs`) kept the one local process busy answering them while
   * the 10 videos it admitted waited for it.
   */
  private slotWait(position: number): number {
    const turnSeconds = (position * MIN_REQUESTS_PER_JOB * 60) / Math.max(1, this.limits.requestsPerMinute);
    const wait = Math.max(this.limits.minSlotWaitSeconds, Math.ceil(turnSeconds / 2));
    return Math.min(this.limits.maxSlotWaitSeconds, wait);
  }

  private nowSeconds(): number {
    return Math.floor(this.deps.clock().getTime() / 1000);
  }

  /**
   * Reads the item at `key` (strongly consistent), applies `change` and writes the result on condition that nobody
   * wrote in between; a lost race starts over. `change` returning undefined writes nothing. Returns false when every
   * attempt lost its race.
   */
  private async update<T extends { version: number }>(
    key: TableKey,
    initial: (nowMs: number) => T,
    change: (item: T) => T | undefined,
  ): Promise<boolean> {
    const attempts = this.deps.maxAttempts ?? 5;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const current = await this.read<T>(key);
      const item = current?.item ?? initial(this.deps.clock().getTime());
      const next = change(item);
      if (next === undefined) return true;
      try {
        await this.deps.ddb.send(
          new PutCommand({
            TableName: this.deps.tableName,
            Item: { ...key, ...next, version: item.version + 1 },
            ...(current === undefined
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : { ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':version': item.version } }),
          }),
        );
        return true;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    return false;
  }

  private async read<T>(key: TableKey): Promise<{ item: T } | undefined> {
    const { Item } = await this.deps.ddb.send(
      new GetCommand({ TableName: this.deps.tableName, Key: key, ConsistentRead: true }),
    );
    if (Item === undefined) return undefined;
    const { pk: _pk, sk: _sk, ...item } = Item;
    return { item: item as T };
  }
}

function emptySlots(): SlotsItem {
  return { leases: {}, queue: {}, nextTicket: 0, version: 0 };
}

function liveLeases(leases: Record<string, number>, now: number): Record<string, number> {
  return Object.fromEntries(Object.entries(leases).filter(([, expiresAt]) => expiresAt > now));
}

function liveQueue(queue: SlotsItem['queue'], seenSince: number): SlotsItem['queue'] {
  return Object.fromEntries(Object.entries(queue).filter(([, entry]) => entry.seen >= seenSince));
}

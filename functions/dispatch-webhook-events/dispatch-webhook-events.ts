import type { AppLogger, AppMetrics } from '../../shared/observability/powertools';
import { type MinuteRate, nextMinuteAt } from '../../shared/rates/minute-rate';
import { unixSeconds } from '../../shared/video/video';
import type { WebhookDeliveryLog } from '../../shared/webhooks/deliveries';
import type { DeliveryStarter } from '../../shared/webhooks/delivery-starter';
import type { WebhookEndpointRecord, WebhookEndpointStore } from '../../shared/webhooks/endpoints';
import type { WebhookEventBodies } from '../../shared/webhooks/event-bodies';
import type { WebhookEvent, WebhookOutboxItem } from '../../shared/webhooks/events';
import type { WebhookOutbox } from '../../shared/webhooks/outbox';

export interface DispatchWebhookEventsDeps {
  outbox: WebhookOutbox;
  endpoints: Pick<WebhookEndpointStore, 'listAll'>;
  deliveries: Pick<WebhookDeliveryLog, 'createPending'>;
  starter: DeliveryStarter;
  /** Where the deliveries read the event's body (executions carry ids only). */
  eventBodies: Pick<WebhookEventBodies, 'put'>;
  /** Each user's deliveries per UTC minute, at most `deliveriesPerMinute` (WEBHOOK_DELIVERIES_PER_MINUTE). */
  rate: MinuteRate;
  deliveriesPerMinute: number;
  clock: () => Date;
  /** Milliseconds this run has left (Lambda's remaining time). */
  remainingMs: () => number;
  logger: Pick<AppLogger, 'info' | 'error'>;
  metrics: Pick<AppMetrics, 'addMetric'>;
  /** The most outbox items one run reads; the rest wait for the next run. */
  maxItems: number;
}

/** What a run did. */
export interface DispatchSummary {
  /** Events whose every delivery is started (their outbox items removed). */
  events: number;
  /** Deliveries started. */
  deliveries: number;
  /** Events left part-way, to go on in a later run (out of time, or the user's delivery rate spent). */
  deferred: number;
  failed: number;
}

/** A run starts no delivery with less time than this left: enough to record where each fan-out stopped. */
export const STOP_STARTING_WITH_MS = 10_000;

/** The most deliveries of one user a round starts before the next user's turn. */
export const DELIVERIES_PER_TURN = 10;

/** One event's fan-out as a run works through it. */
interface FanOut {
  item: WebhookOutboxItem;
  event: WebhookEvent;
  /** The endpoints still to start, in id order (endpoint ids sort by creation). */
  targets: WebhookEndpointRecord[];
  dispatchedThrough: string | undefined;
}

/**
 * Scheduled: turns each outbox item into one delivery per enabled endpoint of the video's owner subscribed to its
 * type (the event's body, a delivery log item, then a delivery workflow execution), then removes the item. Users take
 * turns ({@link DELIVERIES_PER_TURN} deliveries each a round), each user's deliveries are rated (over it: `notBefore`),
 * and an event left part-way when the run's time runs out goes on from its last endpoint next run; every step is safe
 * to repeat. docs/WEBHOOKS.md, "Outgoing: how an event travels" and "How the dispatcher shares its run between users".
 */
export async function dispatchWebhookEvents(deps: DispatchWebhookEventsDeps): Promise<DispatchSummary> {
  const summary: DispatchSummary = { events: 0, deliveries: 0, deferred: 0, failed: 0 };
  // One time for the whole run: which items are due, the rate's minute, and what the delivery log records.
  const startedAt = deps.clock();
  const now = unixSeconds(startedAt);
  const items = await deps.outbox.pending(deps.maxItems);
  deps.metrics.addMetric('WebhookOutboxItems', 'Count', items.length);

  const queues = new Map<string, WebhookOutboxItem[]>();
  for (const item of items) {
    if ((item.notBefore ?? 0) > now) continue;
    queues.set(item.userId, [...(queues.get(item.userId) ?? []), item]);
  }
  const fanOuts = new Map<string, FanOut>();
  const hasTime = () => deps.remainingMs() >= STOP_STARTING_WITH_MS;

  while (queues.size > 0 && hasTime()) {
    for (const [userId, queue] of queues) {
      const item = queue[0];
      if (item === undefined || !hasTime()) {
        if (item === undefined) queues.delete(userId);
        continue;
      }
      try {
        const fanOut = fanOuts.get(item.sk) ?? (await startFanOut(item, deps));
        fanOuts.set(item.sk, fanOut);
        const turn = await takeTurn(fanOut, startedAt, hasTime, deps);
        summary.deliveries += turn.started;
        if (fanOut.targets.length === 0) {
          await deps.outbox.remove(item);
          fanOuts.delete(item.sk);
          queue.shift();
          summary.events += 1;
        } else if (turn.rateLimitedUntil !== undefined) {
          await deferForRate(fanOut, now, turn.rateLimitedUntil, deps);
          fanOuts.delete(item.sk);
          queues.delete(userId);
          summary.deferred += 1;
        }
      } catch (error) {
        // Left in the outbox (with whatever progress it recorded): the next run tries it again.
        summary.failed += 1;
        fanOuts.delete(item.sk);
        queues.delete(userId);
        deps.logger.error('Could not dispatch a webhook event; the next run retries it', {
          videoId: item.videoId,
          outboxKey: item.sk,
          error: error as Error,
        });
      }
    }
  }

  // Out of time: each event left part-way records how far it got, so the next run goes on from there.
  for (const fanOut of fanOuts.values()) {
    await deps.outbox.recordProgress(fanOut.item, progressOf(fanOut));
    summary.deferred += 1;
  }
  if (summary.deliveries > 0) deps.metrics.addMetric('WebhookDeliveriesStarted', 'Count', summary.deliveries);
  if (summary.events > 0 || summary.failed > 0 || summary.deferred > 0) {
    deps.logger.info('Webhook events dispatched', { ...summary, outboxItems: items.length });
  }
  return summary;
}

async function startFanOut(item: WebhookOutboxItem, deps: DispatchWebhookEventsDeps): Promise<FanOut> {
  const event = JSON.parse(item.event) as WebhookEvent;
  const targets = (await deps.endpoints.listAll(item.userId))
    .filter((endpoint) => endpoint.status === 'enabled' && endpoint.events.includes(event.type))
    .filter((endpoint) => item.dispatchedThrough === undefined || endpoint.endpointId > item.dispatchedThrough)
    .sort((a, b) => (a.endpointId < b.endpointId ? -1 : 1));
  if (targets.length > 0) await deps.eventBodies.put(item.userId, event.id, item.event, event.created_at);
  return { item, event, targets, dispatchedThrough: item.dispatchedThrough };
}

/**
 * Starts up to a turn's deliveries of the fan-out, as the user's rate and the run's time allow. The rate is taken
 * only with time left to use it, so a run that stops spends none of a user's minute on deliveries it never starts.
 */
async function takeTurn(
  fanOut: FanOut,
  startedAt: Date,
  hasTime: () => boolean,
  deps: DispatchWebhookEventsDeps,
): Promise<{ started: number; rateLimitedUntil?: number }> {
  const wanted = Math.min(DELIVERIES_PER_TURN, fanOut.targets.length);
  if (wanted === 0 || !hasTime()) return { started: 0 };
  const { userId } = fanOut.item;
  const granted = await deps.rate.take(userId, 'webhook_deliveries', wanted, deps.deliveriesPerMinute, startedAt);
  const now = unixSeconds(startedAt);
  let started = 0;
  while (started < granted && hasTime()) {
    const endpoint = fanOut.targets[0]!;
    await deps.deliveries.createPending(pendingDelivery(fanOut, endpoint, now, now));
    await deps.starter.start(deliveryIds(fanOut, endpoint));
    fanOut.targets.shift();
    fanOut.dispatchedThrough = endpoint.endpointId;
    started += 1;
  }
  return granted < wanted ? { started, rateLimitedUntil: nextMinuteAt(startedAt) } : { started };
}

/** The user's rate is spent: the rest of the event waits in the outbox, and its deliveries say when they will go. */
async function deferForRate(
  fanOut: FanOut,
  now: number,
  notBefore: number,
  deps: DispatchWebhookEventsDeps,
): Promise<void> {
  for (const endpoint of fanOut.targets) {
    await deps.deliveries.createPending(pendingDelivery(fanOut, endpoint, now, notBefore));
  }
  await deps.outbox.recordProgress(fanOut.item, { ...progressOf(fanOut), notBefore });
}

function progressOf(fanOut: FanOut) {
  return fanOut.dispatchedThrough === undefined ? {} : { dispatchedThrough: fanOut.dispatchedThrough };
}

function deliveryIds(fanOut: FanOut, endpoint: WebhookEndpointRecord) {
  return {
    endpointId: endpoint.endpointId,
    eventId: fanOut.event.id,
    eventCreatedAt: fanOut.event.created_at,
    userId: fanOut.item.userId,
    eventType: fanOut.event.type,
    videoId: fanOut.item.videoId,
  };
}

function pendingDelivery(fanOut: FanOut, endpoint: WebhookEndpointRecord, now: number, nextAttemptAt: number) {
  return {
    ...deliveryIds(fanOut, endpoint),
    status: 'pending' as const,
    attempts: 0,
    lastResponseCode: null,
    lastError: null,
    lastAttemptAt: null,
    lastDurationMs: null,
    nextAttemptAt,
    createdAt: now,
    updatedAt: now,
  };
}

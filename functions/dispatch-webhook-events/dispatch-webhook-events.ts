import type { AppLogger, AppMetrics } from '../../shared/powertools';
import { unixSeconds } from '../../shared/video';
import type { WebhookDeliveryLog } from '../../shared/webhooks/deliveries';
import type { DeliveryStarter } from '../../shared/webhooks/delivery-starter';
import type { WebhookEndpointStore } from '../../shared/webhooks/endpoints';
import type { WebhookEvent, WebhookOutboxItem } from '../../shared/webhooks/events';
import type { WebhookOutbox } from '../../shared/webhooks/outbox';

export interface DispatchWebhookEventsDeps {
  outbox: WebhookOutbox;
  endpoints: Pick<WebhookEndpointStore, 'listAll'>;
  deliveries: Pick<WebhookDeliveryLog, 'createPending'>;
  starter: DeliveryStarter;
  clock: () => Date;
  logger: Pick<AppLogger, 'info' | 'error'>;
  metrics: Pick<AppMetrics, 'addMetric'>;
  /** The most outbox items one run handles; the rest wait for the next run. */
  maxItems: number;
}

/** What a run did. */
export interface DispatchSummary {
  events: number;
  deliveries: number;
  failed: number;
}

/**
 * Scheduled: turns each outbox item (an event written in the transaction that changed its video) into one delivery
 * per enabled endpoint of the video's owner subscribed to its type (a delivery log item, then a delivery workflow
 * execution named after endpoint and event), then removes the item. Every step is safe to repeat: a run that stops
 * half-way leaves the item, and the next run finds the log item and the execution already there. An event with no
 * subscriber is just removed.
 */
export async function dispatchWebhookEvents(deps: DispatchWebhookEventsDeps): Promise<DispatchSummary> {
  const summary: DispatchSummary = { events: 0, deliveries: 0, failed: 0 };
  for (const item of await deps.outbox.pending(deps.maxItems)) {
    try {
      summary.deliveries += await dispatchOne(item, deps);
      await deps.outbox.remove(item);
      summary.events += 1;
    } catch (error) {
      // Left in the outbox: the next run tries it again.
      summary.failed += 1;
      deps.logger.error('Could not dispatch a webhook event; the next run retries it', {
        videoId: item.videoId,
        outboxKey: item.sk,
        error: error as Error,
      });
    }
  }
  if (summary.deliveries > 0) deps.metrics.addMetric('WebhookDeliveriesStarted', 'Count', summary.deliveries);
  if (summary.events > 0 || summary.failed > 0) deps.logger.info('Webhook events dispatched', { ...summary });
  return summary;
}

async function dispatchOne(item: WebhookOutboxItem, deps: DispatchWebhookEventsDeps): Promise<number> {
  const event = JSON.parse(item.event) as WebhookEvent;
  const endpoints = (await deps.endpoints.listAll(item.userId)).filter(
    (endpoint) => endpoint.status === 'enabled' && endpoint.events.includes(event.type),
  );
  const now = unixSeconds(deps.clock());
  for (const endpoint of endpoints) {
    const ids = { endpointId: endpoint.endpointId, eventId: event.id, eventCreatedAt: event.created_at };
    await deps.deliveries.createPending({
      ...ids,
      userId: item.userId,
      eventType: event.type,
      videoId: item.videoId,
      status: 'pending',
      attempts: 0,
      lastResponseCode: null,
      lastError: null,
      lastAttemptAt: null,
      lastDurationMs: null,
      nextAttemptAt: now,
      createdAt: now,
      updatedAt: now,
    });
    await deps.starter.start({
      ...ids,
      userId: item.userId,
      eventType: event.type,
      videoId: item.videoId,
      body: item.event,
    });
  }
  return endpoints.length;
}

import { createHash } from 'node:crypto';
import type { TransactItem } from '../aws/transact';
import { webhookOutboxKey } from '../table-keys';
import type { VideoResource } from '../video/schemas';
import { toVideoResource, type VideoRecord } from '../video/video';

// The events client apps can subscribe to, and the outbox item that carries one from the transaction that changed the
// video to the dispatcher; why exactly one event per change: docs/WEBHOOKS.md, "Outgoing: how an event travels".

/** Every event type, in the order the API documents them. */
export const WEBHOOK_EVENT_TYPES = ['video.completed', 'video.failed', 'video.cancelled'] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The event id prefix. */
export const EVENT_ID_PREFIX = 'evt_';

/** What a receiver gets as the request body (Standard Webhooks: `webhook-id` is `id`). */
export interface WebhookEvent {
  id: string;
  object: 'event';
  type: WebhookEventType;
  /** Unix seconds of the change. */
  created_at: number;
  /** The video as it was right after the change. */
  data: VideoResource;
}

/** The outbox item, as stored. */
export interface WebhookOutboxItem {
  pk: string;
  sk: string;
  entity: 'webhook_outbox';
  userId: string;
  videoId: string;
  /** The event as JSON: exactly the body every endpoint receives. */
  event: string;
  createdAt: number;
  /** Set by a dispatcher run that stopped part-way through the fan-out (shared/webhooks/outbox.ts). */
  dispatchedThrough?: string;
  notBefore?: number;
}

/**
 * The event id of a video reaching a status: the same on every retry and for every endpoint, so a receiver can
 * de-duplicate on `webhook-id` (delivery is at least once).
 */
export function webhookEventId(videoId: string, type: WebhookEventType): string {
  return `${EVENT_ID_PREFIX}${createHash('sha256').update(`${videoId}#${type}`).digest('hex').slice(0, 32)}`;
}

/** The event type of a terminal status; undefined for the others (no event). */
export function eventTypeOf(status: VideoRecord['status']): WebhookEventType | undefined {
  switch (status) {
    case 'completed':
      return 'video.completed';
    case 'failed':
      return 'video.failed';
    case 'cancelled':
      return 'video.cancelled';
    default:
      return undefined;
  }
}

/** The event of `video` (as it is after the change) reaching its terminal status at `now` (Unix seconds). */
export function videoEvent(video: VideoRecord, now: number): WebhookEvent {
  const type = eventTypeOf(video.status);
  if (type === undefined) throw new Error(`Video ${video.videoId} is ${video.status}: no event for that status`);
  return {
    id: webhookEventId(video.videoId, type),
    object: 'event',
    type,
    created_at: now,
    data: toVideoResource(video),
  };
}

/** The outbox Put of a status change, for the transaction that makes it. */
export function webhookOutboxPut(tableName: string, video: VideoRecord, now: number): TransactItem {
  const event = videoEvent(video, now);
  const item: WebhookOutboxItem = {
    ...webhookOutboxKey(video.videoId, event.type),
    entity: 'webhook_outbox',
    userId: video.userId,
    videoId: video.videoId,
    event: JSON.stringify(event),
    createdAt: now,
  };
  return { Put: { TableName: tableName, Item: item } };
}

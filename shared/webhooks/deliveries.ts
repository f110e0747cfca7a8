import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  paginateQuery,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from '../aws/condition-failure';
import { cursorFields, encodeCursor, invalidCursor } from '../http/cursor';
import { WEBHOOK_DELIVERY_PREFIX, webhookDeliveriesPartition, webhookDeliveryKey } from '../table-keys';
import { TABLE_TTL_ATTRIBUTE } from '../table-ttl';
import type { WebhookEventType } from './events';

// The delivery log, one item per event and endpoint (what it keeps, and never keeps): docs/WEBHOOKS.md, "Outgoing:
// how an event travels".

/** How long delivery log items are kept (DynamoDB TTL). */
export const DELIVERY_LOG_RETENTION_SECONDS = 30 * 86_400;

/** Where a delivery stands. */
export type DeliveryStatus = 'pending' | 'retrying' | 'succeeded' | 'failed' | 'skipped';

/** A delivery as stored. */
export interface WebhookDeliveryRecord {
  endpointId: string;
  userId: string;
  eventId: string;
  eventType: WebhookEventType;
  videoId: string;
  /** Unix seconds of the event (the delivery's place in the log). */
  eventCreatedAt: number;
  status: DeliveryStatus;
  attempts: number;
  /** The receiver's HTTP status of the last attempt; null when it gave none (timeout, connection, refused URL). */
  lastResponseCode: number | null;
  /** Why the last attempt failed without a status (`timeout`, `network`, `url_not_allowed`, ...). */
  lastError: string | null;
  lastAttemptAt: number | null;
  /** Milliseconds the last attempt took. */
  lastDurationMs: number | null;
  /** Unix seconds of the next attempt, while retrying. */
  nextAttemptAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** What an attempt changes. */
export type DeliveryAttemptUpdate = Pick<
  WebhookDeliveryRecord,
  'status' | 'lastResponseCode' | 'lastError' | 'lastAttemptAt' | 'lastDurationMs' | 'nextAttemptAt'
>;

/** A page of deliveries. */
export interface DeliveryPage {
  items: WebhookDeliveryRecord[];
  nextCursor: string | null;
}

/** Where the delivery log is kept. */
export interface WebhookDeliveryLog {
  /**
   * Writes the pending delivery unless it exists with an attempt made or recorded (a dispatcher run repeated); a
   * pending one without an attempt is written again, so a delayed delivery shows its new `nextAttemptAt`.
   */
  createPending(delivery: WebhookDeliveryRecord): Promise<void>;
  /** Records one attempt (attempts + 1); answers the delivery after it. */
  recordAttempt(
    key: { endpointId: string; eventCreatedAt: number; eventId: string },
    update: DeliveryAttemptUpdate,
  ): Promise<WebhookDeliveryRecord>;
  /** Ends a delivery without an attempt (its endpoint was deleted or disabled). */
  skip(
    key: { endpointId: string; eventCreatedAt: number; eventId: string },
    reason: string,
    now: number,
  ): Promise<void>;
  /** An endpoint's deliveries, newest first. */
  list(endpointId: string, options: { limit: number; after?: string }): Promise<DeliveryPage>;
  /** Deletes an endpoint's whole delivery log (a user erasure); answers how many deliveries it held. */
  removeAll(endpointId: string): Promise<number>;
}

/** The delivery log in the main table. */
export class DynamoWebhookDeliveryLog implements WebhookDeliveryLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async createPending(delivery: WebhookDeliveryRecord): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...webhookDeliveryKey(delivery.endpointId, delivery.eventCreatedAt, delivery.eventId),
            entity: 'webhook_delivery',
            ...delivery,
            [TABLE_TTL_ATTRIBUTE]: delivery.eventCreatedAt + DELIVERY_LOG_RETENTION_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR (#status = :pending AND attempts = :none)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pending': 'pending', ':none': 0 },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async recordAttempt(
    key: { endpointId: string; eventCreatedAt: number; eventId: string },
    update: DeliveryAttemptUpdate,
  ): Promise<WebhookDeliveryRecord> {
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: webhookDeliveryKey(key.endpointId, key.eventCreatedAt, key.eventId),
        UpdateExpression:
          'SET #status = :status, lastResponseCode = :code, lastError = :error, lastAttemptAt = :at, ' +
          'lastDurationMs = :duration, nextAttemptAt = :next, updatedAt = :at ADD attempts :one',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':status': update.status,
          ':code': update.lastResponseCode,
          ':error': update.lastError,
          ':at': update.lastAttemptAt,
          ':duration': update.lastDurationMs,
          ':next': update.nextAttemptAt,
          ':one': 1,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return fromItem(Attributes ?? {});
  }

  async skip(
    key: { endpointId: string; eventCreatedAt: number; eventId: string },
    reason: string,
    now: number,
  ): Promise<void> {
    await this.client
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: webhookDeliveryKey(key.endpointId, key.eventCreatedAt, key.eventId),
          UpdateExpression: 'SET #status = :skipped, lastError = :reason, nextAttemptAt = :none, updatedAt = :now',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':skipped': 'skipped', ':reason': reason, ':none': null, ':now': now },
        }),
      )
      .catch((error: Error) => {
        if (!isConditionFailure(error)) throw error;
      });
  }

  async list(endpointId: string, options: { limit: number; after?: string }): Promise<DeliveryPage> {
    const partition = webhookDeliveriesPartition(endpointId);
    const { Items, LastEvaluatedKey } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': partition, ':prefix': WEBHOOK_DELIVERY_PREFIX },
        ScanIndexForward: false,
        Limit: options.limit,
        ...(options.after === undefined ? {} : { ExclusiveStartKey: startKey(partition, options.after) }),
      }),
    );
    return {
      items: (Items ?? []).map(fromItem),
      nextCursor: LastEvaluatedKey === undefined ? null : encodeCursor(LastEvaluatedKey),
    };
  }

  async removeAll(endpointId: string): Promise<number> {
    const partition = webhookDeliveriesPartition(endpointId);
    let removed = 0;
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': partition },
        ProjectionExpression: 'pk, sk',
      },
    );
    for await (const page of pages) {
      // One by one: the reconciler holds DeleteItem, and a log is at most a few thousand small items (30-day TTL).
      for (const key of page.Items ?? []) {
        await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: key.pk, sk: key.sk } }));
        removed++;
      }
    }
    return removed;
  }
}

function startKey(partition: string, cursor: string): Record<string, unknown> {
  const { pk, sk } = cursorFields(cursor);
  if (pk !== partition || typeof sk !== 'string' || !sk.startsWith(WEBHOOK_DELIVERY_PREFIX)) throw invalidCursor();
  return { pk, sk };
}

function fromItem(item: Record<string, unknown>): WebhookDeliveryRecord {
  const { pk: _pk, sk: _sk, entity: _entity, [TABLE_TTL_ATTRIBUTE]: _ttl, ...rest } = item;
  return rest as unknown as WebhookDeliveryRecord;
}

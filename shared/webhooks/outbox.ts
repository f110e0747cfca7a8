import { DeleteCommand, type DynamoDBDocumentClient, paginateQuery, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from '../aws/condition-failure';
import { WEBHOOK_OUTBOX_PARTITION } from '../table-keys';
import type { WebhookOutboxItem } from './events';

/** How far an event's fan-out got, kept on its outbox item when a dispatcher run stops before the end. */
export interface OutboxProgress {
  /** The last endpoint id (they sort by creation) whose delivery was started. */
  dispatchedThrough?: string;
  /** Unix seconds before which the rest must not start (the user's delivery rate is spent until then). */
  notBefore?: number;
}

/** The events written by the money transactions, waiting for the dispatcher. */
export interface WebhookOutbox {
  /** Up to `limit` items, oldest video first (read page by page). */
  pending(limit: number): Promise<WebhookOutboxItem[]>;
  /** Removes a dispatched item. */
  remove(item: Pick<WebhookOutboxItem, 'pk' | 'sk'>): Promise<void>;
  /** Records how far the item's fan-out got, unless the item is gone (dispatched by another run). */
  recordProgress(item: Pick<WebhookOutboxItem, 'pk' | 'sk'>, progress: OutboxProgress): Promise<void>;
}

/** The outbox partition of the main table. */
export class DynamoWebhookOutbox implements WebhookOutbox {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async pending(limit: number): Promise<WebhookOutboxItem[]> {
    const items: WebhookOutboxItem[] = [];
    const pages = paginateQuery(
      { client: this.client, pageSize: limit },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': WEBHOOK_OUTBOX_PARTITION },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      items.push(...((page.Items ?? []) as WebhookOutboxItem[]));
      if (items.length >= limit) break;
    }
    return items.slice(0, limit);
  }

  async remove(item: Pick<WebhookOutboxItem, 'pk' | 'sk'>): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: item.pk, sk: item.sk } }));
  }

  async recordProgress(item: Pick<WebhookOutboxItem, 'pk' | 'sk'>, progress: OutboxProgress): Promise<void> {
    const set = Object.entries(progress).filter(([, value]) => value !== undefined);
    if (set.length === 0) return;
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: item.pk, sk: item.sk },
          UpdateExpression: `SET ${set.map(([name]) => `${name} = :${name}`).join(', ')}`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: Object.fromEntries(set.map(([name, value]) => [`:${name}`, value])),
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}

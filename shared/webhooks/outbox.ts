import { DeleteCommand, type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { WEBHOOK_OUTBOX_PARTITION } from '../table-keys';
import type { WebhookOutboxItem } from './events';

/** The events written by the money transactions, waiting for the dispatcher. */
export interface WebhookOutbox {
  /** Up to `limit` items, oldest video first. */
  pending(limit: number): Promise<WebhookOutboxItem[]>;
  /** Removes a dispatched item. */
  remove(item: Pick<WebhookOutboxItem, 'pk' | 'sk'>): Promise<void>;
}

/** The outbox partition of the main table. */
export class DynamoWebhookOutbox implements WebhookOutbox {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async pending(limit: number): Promise<WebhookOutboxItem[]> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': WEBHOOK_OUTBOX_PARTITION },
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    return (Items ?? []) as WebhookOutboxItem[];
  }

  async remove(item: Pick<WebhookOutboxItem, 'pk' | 'sk'>): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: item.pk, sk: item.sk } }));
  }
}

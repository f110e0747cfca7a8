import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
} from '@aws-sdk/lib-dynamodb';
import { userPartition, WEBHOOK_EVENT_BODY_PREFIX, webhookEventBodyKey } from '../table-keys';
import { TABLE_TTL_ATTRIBUTE } from '../table-ttl';
import { WEBHOOK_RETRY_POLICY } from './retry-policy';

/*
 * The body of each event being delivered (the video as it was, prompt and metadata included), kept in its user's
 * partition so that an erasure removes it with the rest. Delivery executions carry ids only and read the body here at
 * each attempt: Step Functions keeps an execution's input and history for 90 days and no API deletes them.
 */

/** How long a body is kept after its event: the deliveries' retry window and a day more. */
export const EVENT_BODY_RETENTION_SECONDS = WEBHOOK_RETRY_POLICY.windowSeconds + 86_400;

/** Where event bodies are kept while their deliveries run. */
export interface WebhookEventBodies {
  /** Keeps the body (the same on every write: a repeated dispatch writes it again). */
  put(userId: string, eventId: string, body: string, eventCreatedAt: number): Promise<void>;
  /** The body, or undefined once erased or expired. */
  get(userId: string, eventId: string): Promise<string | undefined>;
  /** Deletes every body of the user (an erasure); answers how many there were. */
  removeAll(userId: string): Promise<number>;
}

/** Event bodies in the main table: `USER#{userId}` / `WEBHOOKEVENT#{eventId}`, expired by the table's TTL. */
export class DynamoWebhookEventBodies implements WebhookEventBodies {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(userId: string, eventId: string, body: string, eventCreatedAt: number): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...webhookEventBodyKey(userId, eventId),
          entity: 'webhook_event_body',
          body,
          [TABLE_TTL_ATTRIBUTE]: eventCreatedAt + EVENT_BODY_RETENTION_SECONDS,
        },
      }),
    );
  }

  async get(userId: string, eventId: string): Promise<string | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: webhookEventBodyKey(userId, eventId), ConsistentRead: true }),
    );
    return typeof Item?.body === 'string' ? Item.body : undefined;
  }

  async removeAll(userId: string): Promise<number> {
    let removed = 0;
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': userPartition(userId), ':prefix': WEBHOOK_EVENT_BODY_PREFIX },
        ProjectionExpression: 'pk, sk',
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: item.pk, sk: item.sk } }));
        removed += 1;
      }
    }
    return removed;
  }
}

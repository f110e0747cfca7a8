import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from '../../aws/condition-failure';
import {
  PROVIDER_JOB_EVENT_PREFIX,
  providerJobEventKey,
  providerJobKey,
  providerJobPartition,
  taskTokenKey,
} from '../../table-keys';
import { providerCallbackPurgeAt, TABLE_TTL_ATTRIBUTE } from '../../table-ttl';

/** A provider event the receiver verified, recorded against the provider job it is about. */
export interface RecordedProviderEvent {
  /** The `webhook-id` header: the same for every delivery of one event (what duplicates are told by). */
  webhookId: string;
  /** The event's `type`, e.g. `video.completed`. */
  type: string;
  /** Unix seconds when reelflow received it. */
  receivedAt: number;
}

/** The task token an execution waits on for a provider job (`.waitForTaskToken`). */
export interface StoredTaskToken {
  taskToken: string;
  videoId: string;
  /** Unix seconds when the step stored it. */
  storedAt: number;
}

/**
 * What the provider-webhook path keeps per provider job, next to the job's claim (`PROVIDERJOB#{jobId}`): the task
 * token an execution waits on, and the events received for the job. The receiver and the step that stores the token
 * meet here in either order: an event that arrives before the token is found by the step (`events`), a token stored
 * before the event is taken by the receiver (`takeTaskToken`). Logic modules take this interface, tests fake it.
 */
export interface ProviderCallbackStore {
  /** The video that claimed the provider job (its claim item); undefined for a job reelflow does not know. */
  jobOwner(providerVideoId: string): Promise<string | undefined>;
  /** Stores (or replaces: a retried step issues a new token) the token an execution waits on for the job. */
  storeTaskToken(providerVideoId: string, token: StoredTaskToken): Promise<void>;
  /** The stored token, without taking it; undefined when none is stored. */
  peekTaskToken(providerVideoId: string): Promise<StoredTaskToken | undefined>;
  /**
   * Removes the token (when `taskToken` is given, only if it is still that one) and returns it: a conditional delete,
   * so of two receivers (or a receiver and the step itself) only one ever gets it. Undefined when it was gone.
   */
  takeTaskToken(providerVideoId: string, taskToken?: string): Promise<StoredTaskToken | undefined>;
  /** Records an event; false when this webhook id was recorded before (a duplicate delivery). */
  recordEvent(providerVideoId: string, event: RecordedProviderEvent): Promise<boolean>;
  /** The events recorded for the job, oldest first: what a step storing its token checks for an early event. */
  events(providerVideoId: string): Promise<RecordedProviderEvent[]>;
}

/** {@link ProviderCallbackStore} on the main table (keys: shared/table-keys.ts; expiry: shared/table-ttl.ts). */
export class DynamoProviderCallbackStore implements ProviderCallbackStore {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async jobOwner(providerVideoId: string): Promise<string | undefined> {
    const { Item } = await this.ddb.send(
      new GetCommand({ TableName: this.tableName, Key: providerJobKey(providerVideoId), ConsistentRead: true }),
    );
    return typeof Item?.videoId === 'string' ? Item.videoId : undefined;
  }

  async storeTaskToken(providerVideoId: string, token: StoredTaskToken): Promise<void> {
    await this.ddb.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...taskTokenKey(providerVideoId),
          providerVideoId,
          ...token,
          [TABLE_TTL_ATTRIBUTE]: providerCallbackPurgeAt(token.storedAt),
        },
      }),
    );
  }

  async peekTaskToken(providerVideoId: string): Promise<StoredTaskToken | undefined> {
    const { Item } = await this.ddb.send(
      new GetCommand({ TableName: this.tableName, Key: taskTokenKey(providerVideoId), ConsistentRead: true }),
    );
    return Item === undefined ? undefined : tokenOf(Item);
  }

  async takeTaskToken(providerVideoId: string, taskToken?: string): Promise<StoredTaskToken | undefined> {
    try {
      const { Attributes } = await this.ddb.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: taskTokenKey(providerVideoId),
          ConditionExpression: taskToken === undefined ? 'attribute_exists(taskToken)' : 'taskToken = :taskToken',
          ...(taskToken === undefined ? {} : { ExpressionAttributeValues: { ':taskToken': taskToken } }),
          ReturnValues: 'ALL_OLD',
        }),
      );
      return Attributes === undefined ? undefined : tokenOf(Attributes);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async recordEvent(providerVideoId: string, event: RecordedProviderEvent): Promise<boolean> {
    try {
      await this.ddb.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...providerJobEventKey(providerVideoId, event.webhookId),
            providerVideoId,
            ...event,
            [TABLE_TTL_ATTRIBUTE]: providerCallbackPurgeAt(event.receivedAt),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async events(providerVideoId: string): Promise<RecordedProviderEvent[]> {
    const { Items = [] } = await this.ddb.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: {
          ':pk': providerJobPartition(providerVideoId),
          ':prefix': PROVIDER_JOB_EVENT_PREFIX,
        },
        ConsistentRead: true,
      }),
    );
    return Items.map((item) => ({
      webhookId: String(item.webhookId),
      type: String(item.type),
      receivedAt: Number(item.receivedAt),
    })).sort((a, b) => a.receivedAt - b.receivedAt);
  }
}

function tokenOf(item: Record<string, unknown>): StoredTaskToken {
  return { taskToken: String(item.taskToken), videoId: String(item.videoId), storedAt: Number(item.storedAt) };
}

import { randomBytes } from 'node:crypto';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulid';
import { isConditionFailure } from '../aws/condition-failure';
import { transactWrite } from '../aws/transact';
import { NotFoundError } from '../errors';
import { cursorFields, encodeCursor, invalidCursor } from '../http/cursor';
import { userPartition, WEBHOOK_ENDPOINT_PREFIX, webhookEndpointCountKey, webhookEndpointKey } from '../table-keys';
import type { WebhookEventType } from './events';

// A user's webhook endpoints and their signing secrets, kept in the user's partition (why, and where the secrets may
// go): docs/WEBHOOKS.md, "Outgoing: how an event travels".

const nextUlid = monotonicFactory();

/** The endpoint id prefix. */
export const WEBHOOK_ENDPOINT_ID_PREFIX = 'we_';

/** How long a rotated-out secret still signs deliveries, so receivers can switch without losing events. */
export const ROTATION_OVERLAP_SECONDS = 24 * 3600;

/** A new endpoint id: `we_` + a monotonic ULID (sorts by creation time). */
export function newWebhookEndpointId(now: number = Date.now()): string {
  return `${WEBHOOK_ENDPOINT_ID_PREFIX}${nextUlid(now)}`;
}

/** A new signing secret in the Standard Webhooks form: `whsec_` + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** A signing secret; one without `expiresAt` is the current one. */
export interface WebhookSecret {
  secret: string;
  createdAt: number;
  /** Unix seconds after which this (rotated-out) secret no longer signs. */
  expiresAt?: number;
}

/** An endpoint as stored. */
export interface WebhookEndpointRecord {
  endpointId: string;
  userId: string;
  url: string;
  events: WebhookEventType[];
  /** `disabled` after failing for WEBHOOK_DISABLE_AFTER_SECONDS: nothing is sent to it any more. */
  status: 'enabled' | 'disabled';
  secrets: WebhookSecret[];
  createdAt: number;
  updatedAt: number;
  /** Unix seconds of the first failed attempt since the last success; absent while it answers. */
  failingSince?: number;
  disabledAt?: number;
  disabledReason?: string;
}

/** The secrets that sign at `now`: the current one and any rotated out less than the overlap ago. */
export function signingSecrets(endpoint: Pick<WebhookEndpointRecord, 'secrets'>, now: number): string[] {
  return endpoint.secrets
    .filter((entry) => entry.expiresAt === undefined || entry.expiresAt > now)
    .map((entry) => entry.secret);
}

/** A page of endpoints. */
export interface EndpointPage {
  items: WebhookEndpointRecord[];
  nextCursor: string | null;
}

/** Where endpoints are kept. */
export interface WebhookEndpointStore {
  /**
   * Creates it unless its user already has `maxEndpoints` endpoints: false then, and nothing is written. The count
   * is kept in the same transaction as the endpoint, so concurrent creates cannot pass the cap together.
   */
  create(endpoint: WebhookEndpointRecord, maxEndpoints: number): Promise<boolean>;
  /** The caller's endpoint, or undefined (missing, or someone else's). */
  get(userId: string, endpointId: string): Promise<WebhookEndpointRecord | undefined>;
  /** The user's endpoints, oldest first. */
  list(userId: string, options: { limit: number; after?: string }): Promise<EndpointPage>;
  /** Every endpoint of the user (the dispatcher's read; a user has few). */
  listAll(userId: string): Promise<WebhookEndpointRecord[]>;
  /** Removes it (and counts it out); false when it was not there. */
  delete(userId: string, endpointId: string): Promise<boolean>;
  /** Makes `secret` the current secret and lets the others expire at `expiresAt` at the latest. */
  rotate(userId: string, endpointId: string, secret: string, now: number): Promise<WebhookEndpointRecord | undefined>;
  /** A delivery got a 2xx: the endpoint is not failing. */
  recordSuccess(userId: string, endpointId: string): Promise<void>;
  /**
   * A delivery attempt failed at `now`: remembers when the failing began, and disables the endpoint once that is
   * `disableAfterSeconds` ago. Answers the endpoint after the change (undefined when it is gone).
   */
  recordFailure(
    userId: string,
    endpointId: string,
    now: number,
    disableAfterSeconds: number,
  ): Promise<WebhookEndpointRecord | undefined>;
}

/** Endpoints in the main table. */
export class DynamoWebhookEndpoints implements WebhookEndpointStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(endpoint: WebhookEndpointRecord, maxEndpoints: number): Promise<boolean> {
    await this.ensureCount(endpoint.userId);
    const outcome = await transactWrite(this.client, [
      {
        Put: {
          TableName: this.tableName,
          Item: {
            ...webhookEndpointKey(endpoint.userId, endpoint.endpointId),
            entity: 'webhook_endpoint',
            ...endpoint,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Update: {
          TableName: this.tableName,
          Key: webhookEndpointCountKey(endpoint.userId),
          UpdateExpression: 'ADD endpoints :one',
          ConditionExpression: 'endpoints < :max',
          ExpressionAttributeValues: { ':one': 1, ':max': maxEndpoints },
        },
      },
    ]);
    if (outcome.committed) return true;
    if (outcome.reasons[1] === 'ConditionalCheckFailed') return false;
    throw new Error(`Webhook endpoint ${endpoint.endpointId} exists already`);
  }

  async get(userId: string, endpointId: string): Promise<WebhookEndpointRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: webhookEndpointKey(userId, endpointId), ConsistentRead: true }),
    );
    return Item === undefined ? undefined : fromItem(Item);
  }

  async list(userId: string, options: { limit: number; after?: string }): Promise<EndpointPage> {
    const { Items, LastEvaluatedKey } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': userPartition(userId), ':prefix': WEBHOOK_ENDPOINT_PREFIX },
        Limit: options.limit,
        ...(options.after === undefined ? {} : { ExclusiveStartKey: this.startKey(userId, options.after) }),
      }),
    );
    return {
      items: (Items ?? []).map(fromItem),
      nextCursor: LastEvaluatedKey === undefined ? null : encodeCursor(LastEvaluatedKey),
    };
  }

  async listAll(userId: string): Promise<WebhookEndpointRecord[]> {
    const endpoints: WebhookEndpointRecord[] = [];
    let after: string | undefined;
    do {
      const page = await this.list(userId, { limit: 100, ...(after === undefined ? {} : { after }) });
      endpoints.push(...page.items);
      after = page.nextCursor ?? undefined;
    } while (after !== undefined);
    return endpoints;
  }

  async delete(userId: string, endpointId: string): Promise<boolean> {
    await this.ensureCount(userId);
    const outcome = await transactWrite(this.client, [
      {
        Delete: {
          TableName: this.tableName,
          Key: webhookEndpointKey(userId, endpointId),
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      {
        Update: {
          TableName: this.tableName,
          Key: webhookEndpointCountKey(userId),
          UpdateExpression: 'ADD endpoints :minusOne',
          ExpressionAttributeValues: { ':minusOne': -1 },
        },
      },
    ]);
    return outcome.committed;
  }

  /**
   * Endpoints created before the count existed: counts them once, so the cap and the decrements start from the
   * truth. Two callers doing it at once write the same number; only the first write lands.
   */
  private async ensureCount(userId: string): Promise<void> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: webhookEndpointCountKey(userId), ConsistentRead: true }),
    );
    if (Item !== undefined) return;
    let endpoints = 0;
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': userPartition(userId), ':prefix': WEBHOOK_ENDPOINT_PREFIX },
        Select: 'COUNT',
        ConsistentRead: true,
      },
    );
    for await (const page of pages) endpoints += page.Count ?? 0;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...webhookEndpointCountKey(userId), entity: 'webhook_endpoint_count', endpoints },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async rotate(
    userId: string,
    endpointId: string,
    secret: string,
    now: number,
  ): Promise<WebhookEndpointRecord | undefined> {
    const endpoint = await this.get(userId, endpointId);
    if (endpoint === undefined) return undefined;
    const expiresAt = now + ROTATION_OVERLAP_SECONDS;
    const secrets: WebhookSecret[] = [
      { secret, createdAt: now },
      // Older secrets keep an earlier expiry; expired ones are dropped.
      ...endpoint.secrets
        .filter((entry) => entry.expiresAt === undefined || entry.expiresAt > now)
        .map((entry) => ({ ...entry, expiresAt: Math.min(entry.expiresAt ?? expiresAt, expiresAt) })),
    ];
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: webhookEndpointKey(userId, endpointId),
        UpdateExpression: 'SET secrets = :secrets, updatedAt = :now',
        // Two rotations at once: the second must not drop the first one's secret.
        ConditionExpression: 'attribute_exists(pk) AND updatedAt = :seen',
        ExpressionAttributeValues: { ':secrets': secrets, ':now': now, ':seen': endpoint.updatedAt },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Attributes === undefined ? undefined : fromItem(Attributes);
  }

  async recordSuccess(userId: string, endpointId: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: webhookEndpointKey(userId, endpointId),
          UpdateExpression: 'REMOVE failingSince',
          ConditionExpression: 'attribute_exists(pk) AND attribute_exists(failingSince)',
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async recordFailure(
    userId: string,
    endpointId: string,
    now: number,
    disableAfterSeconds: number,
  ): Promise<WebhookEndpointRecord | undefined> {
    let endpoint: WebhookEndpointRecord;
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: webhookEndpointKey(userId, endpointId),
          UpdateExpression: 'SET failingSince = if_not_exists(failingSince, :now)',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':now': now },
          ReturnValues: 'ALL_NEW',
        }),
      );
      endpoint = fromItem(Attributes ?? {});
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
    const since = endpoint.failingSince ?? now;
    if (endpoint.status === 'disabled' || now - since < disableAfterSeconds) return endpoint;
    const days = Math.round(disableAfterSeconds / 86_400);
    const reason = `Disabled: every delivery failed for ${days} days (since ${new Date(since * 1000).toISOString()}); fix the receiver, then add the endpoint again`;
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: webhookEndpointKey(userId, endpointId),
        UpdateExpression: 'SET #status = :disabled, disabledAt = :now, disabledReason = :reason, updatedAt = :now',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':disabled': 'disabled', ':now': now, ':reason': reason },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Attributes === undefined ? undefined : fromItem(Attributes);
  }

  private startKey(userId: string, cursor: string): Record<string, unknown> {
    const fields = cursorFields(cursor);
    const { pk, sk } = fields;
    if (pk !== userPartition(userId) || typeof sk !== 'string' || !sk.startsWith(WEBHOOK_ENDPOINT_PREFIX)) {
      throw invalidCursor();
    }
    return { pk, sk };
  }
}

function fromItem(item: Record<string, unknown>): WebhookEndpointRecord {
  const { pk: _pk, sk: _sk, entity: _entity, ...rest } = item;
  return rest as unknown as WebhookEndpointRecord;
}

/** The caller's endpoint, or 404 (missing or someone else's: the same answer). */
export async function findOwnEndpoint(
  endpoints: Pick<WebhookEndpointStore, 'get'>,
  userId: string,
  endpointId: string,
): Promise<WebhookEndpointRecord> {
  const endpoint = endpointId.startsWith(WEBHOOK_ENDPOINT_ID_PREFIX)
    ? await endpoints.get(userId, endpointId)
    : undefined;
  if (endpoint === undefined) throw new NotFoundError('No such webhook endpoint');
  return endpoint;
}

import { type DynamoDBDocumentClient, GetCommand, QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import {
  activeKey,
  ledgerPrefix,
  monthUsagePartition,
  providerCostPrefix,
  usageKey,
  userPartition,
} from '../table-keys';
import type { LedgerEntryKind } from './charge';

/** A user's aggregates for one month (the usage item). */
export interface MonthUsage {
  userId: string;
  month: string;
  /** Videos charged. */
  videos: number;
  /** Seconds of video charged. */
  seconds: number;
  chargedMicros: number;
  /** Of `chargedMicros`: cancelled videos whose job the provider finished and billed. */
  cancelledChargedMicros: number;
  /** Of `videos`: cancelled videos charged that way. */
  cancelledVideos: number;
  /** Held for videos not yet settled (held cancels included). */
  reservedMicros: number;
  /** What the provider billed for videos the user was not charged for (finished after reelflow gave up). */
  providerCostMicros: number;
  /** AWS-side cost of producing the month's settled videos. */
  awsCostMicros: number;
}

/** One charged video (immutable). */
export interface LedgerEntry {
  /** `cancelled_charge`: a video cancelled after the provider accepted its job, which the provider finished. */
  kind: LedgerEntryKind;
  userId: string;
  month: string;
  videoId: string;
  model: string;
  size: string;
  seconds: number;
  unitPriceMicros: number;
  priceVersion: string;
  amountMicros: number;
  awsCostMicros: number;
  chargedAt: number;
}

/** A provider cost the user was not charged for. */
export interface ProviderCostEntry {
  userId: string;
  month: string;
  videoId: string;
  providerVideoId: string | null;
  model: string;
  size: string;
  seconds: number;
  providerCostMicros: number;
  videoStatus: string;
  recordedAt: number;
}

/** Read side of the money items, for the usage and cost routes. */
export interface CostReports {
  usage(userId: string, month: string): Promise<MonthUsage>;
  activeCount(userId: string): Promise<number>;
  /** Every user's aggregates for a month (index gsi2), ordered by user. */
  monthUsages(month: string): Promise<MonthUsage[]>;
  /** One user's ledger entries and provider costs for a month, ordered by video id. */
  ledger(userId: string, month: string): Promise<{ entries: LedgerEntry[]; providerCosts: ProviderCostEntry[] }>;
}

const number = (value: unknown) => (typeof value === 'number' ? value : 0);

/** Maps a usage item (or its absence) to the month's aggregates. */
export function toMonthUsage(userId: string, month: string, item: Record<string, unknown> | undefined): MonthUsage {
  return {
    userId,
    month,
    videos: number(item?.videos),
    seconds: number(item?.seconds),
    chargedMicros: number(item?.chargedMicros),
    cancelledChargedMicros: number(item?.cancelledChargedMicros),
    cancelledVideos: number(item?.cancelledVideos),
    reservedMicros: number(item?.reservedMicros),
    providerCostMicros: number(item?.providerCostMicros),
    awsCostMicros: number(item?.awsCostMicros),
  };
}

/** The DynamoDB implementation (one table, keys in table-keys.ts). */
export class DynamoCostReports implements CostReports {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async usage(userId: string, month: string): Promise<MonthUsage> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: usageKey(userId, month), ConsistentRead: true }),
    );
    return toMonthUsage(userId, month, Item);
  }

  async activeCount(userId: string): Promise<number> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: activeKey(userId), ConsistentRead: true }),
    );
    return number(Item?.activeCount);
  }

  async monthUsages(month: string): Promise<MonthUsage[]> {
    const items = await this.queryAll({
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :month',
      ExpressionAttributeValues: { ':month': monthUsagePartition(month) },
    });
    return items.map((item) => toMonthUsage(String(item.userId), month, item));
  }

  async ledger(userId: string, month: string): Promise<{ entries: LedgerEntry[]; providerCosts: ProviderCostEntry[] }> {
    const query = (prefix: string) =>
      this.queryAll({
        KeyConditionExpression: 'pk = :user AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':user': userPartition(userId), ':prefix': prefix },
        ConsistentRead: true,
      });
    const [entries, providerCosts] = await Promise.all([query(ledgerPrefix(month)), query(providerCostPrefix(month))]);
    return {
      entries: entries.map((item) => ({
        userId,
        month,
        kind: item.kind === 'cancelled_charge' ? 'cancelled_charge' : 'charge',
        videoId: String(item.videoId),
        model: String(item.model),
        size: String(item.size),
        seconds: number(item.seconds),
        unitPriceMicros: number(item.unitPriceMicros),
        priceVersion: String(item.priceVersion),
        amountMicros: number(item.amountMicros),
        awsCostMicros: number(item.awsCostMicros),
        chargedAt: number(item.chargedAt),
      })),
      providerCosts: providerCosts.map((item) => ({
        userId,
        month,
        videoId: String(item.videoId),
        providerVideoId: typeof item.providerVideoId === 'string' ? item.providerVideoId : null,
        model: String(item.model),
        size: String(item.size),
        seconds: number(item.seconds),
        providerCostMicros: number(item.providerCostMicros),
        videoStatus: String(item.videoStatus),
        recordedAt: number(item.recordedAt),
      })),
    };
  }

  private async queryAll(query: {
    IndexName?: string;
    KeyConditionExpression: string;
    ExpressionAttributeValues: Record<string, unknown>;
    ConsistentRead?: boolean;
  }): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page: QueryCommandOutput = await this.client.send(
        new QueryCommand({ TableName: this.tableName, ...query, ExclusiveStartKey: startKey }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return items;
  }
}

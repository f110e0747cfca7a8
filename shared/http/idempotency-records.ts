import { DeleteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The Powertools idempotency records of create and remix (their own table, partition key `id`): each holds the whole
 * answer of a keyed request for 24 hours, prompt and metadata included. Written only by Powertools; removed here when
 * the video they describe is deleted.
 */
export interface IdempotencyRecords {
  /** Removes a record; a missing one is fine (expired, never written, or removed by an earlier attempt). */
  forget(recordId: string): Promise<void>;
}

/** {@link IdempotencyRecords} on the idempotency table. */
export class DynamoIdempotencyRecords implements IdempotencyRecords {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async forget(recordId: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { id: recordId } }));
  }
}

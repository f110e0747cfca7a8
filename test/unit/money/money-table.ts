import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { videoKey } from '../../../shared/table-keys';
import { type LocalTable, startLocalTable } from '../../helpers/dynamodb-local';

/**
 * Starts one DynamoDB Local for the test file (stopped after it) and creates a fresh table before each test, handed
 * to `onTable` to build what the test works on.
 */
export function freshTableEachTest(onTable: (local: LocalTable, table: string) => void): void {
  let local: LocalTable | undefined;
  beforeAll(async () => {
    local = await startLocalTable();
  });
  afterAll(async () => {
    await local?.stop();
  });
  beforeEach(async () => {
    onTable(local!, await local!.createTable());
  });
}

/** An item as it is now (a strongly consistent read). */
export async function readItem(
  local: LocalTable,
  table: string,
  key: { pk: string; sk: string },
): Promise<Record<string, unknown> | undefined> {
  return (await local.documents.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;
}

/** Moves a video's status behind the money module's back, as another path (or a crash) would leave it. */
export async function setVideoStatus(local: LocalTable, table: string, videoId: string, status: string): Promise<void> {
  await local.documents.send(
    new UpdateCommand({
      TableName: table,
      Key: videoKey(videoId),
      UpdateExpression: 'SET #status = :status',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':status': status },
    }),
  );
}

import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { freePort } from '../../local/http';
import { startDynamoDbLocal } from '../../local/services/dynamodb-local';

/**
 * AWS's DynamoDB Local, in memory on an ephemeral port (started as the local stack starts it), with the app's table
 * (pk/sk, gsi1, gsi2, gsi3).
 */
export interface LocalTable {
  client: DynamoDBClient;
  documents: DynamoDBDocumentClient;
  /** Creates a fresh table with the app's key design and returns its name. */
  createTable(name?: string): Promise<string>;
  stop(): Promise<void>;
}

let tables = 0;

/** Starts DynamoDB Local and waits (with a deadline) until it answers. */
export async function startLocalTable(deadlineMs = 60_000): Promise<LocalTable> {
  const clientConfig = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  const dynamo = await startDynamoDbLocal({ port: await freePort(), clientConfig, deadlineMs });
  const client = new DynamoDBClient({ ...clientConfig, endpoint: dynamo.endpoint, maxAttempts: 1 });
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const index = (name: string) => ({
    IndexName: name,
    KeySchema: [
      { AttributeName: `${name}pk`, KeyType: 'HASH' as const },
      { AttributeName: `${name}sk`, KeyType: 'RANGE' as const },
    ],
    Projection: { ProjectionType: 'ALL' as const },
  });
  return {
    client,
    documents,
    async createTable(name = `money-${++tables}`) {
      await client.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'status', 'videoId'].map(
            (attribute) => ({
              AttributeName: attribute,
              AttributeType: 'S',
            }),
          ),
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          GlobalSecondaryIndexes: [
            index('gsi1'),
            index('gsi2'),
            {
              IndexName: 'gsi3',
              KeySchema: [
                { AttributeName: 'status', KeyType: 'HASH' },
                { AttributeName: 'videoId', KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'KEYS_ONLY' },
            },
          ],
        }),
      );
      return name;
    },
    async stop() {
      client.destroy();
      await dynamo.stop();
    },
  };
}

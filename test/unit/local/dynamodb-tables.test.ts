import { DescribeTableCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTablesFromTemplate } from '../../../local/services/dynamodb-local';
import { LocalTemplate } from '../../../local/template/resolve';
import { type LocalTable, startLocalTable } from '../../helpers/dynamodb-local';

/*
 * The local tables follow the template across versions: a GSI the template gained since a developer's data dir was
 * created is added to the existing table (and backfilled), as a CloudFormation update adds it in AWS.
 */

let local: LocalTable;
beforeAll(async () => {
  local = await startLocalTable();
});
afterAll(async () => {
  await local?.stop();
});

function template(withStatusIndex: boolean): LocalTemplate {
  const index = (name: string, hash: string) => ({
    IndexName: name,
    KeySchema: [{ AttributeName: hash, KeyType: 'HASH' }],
    Projection: { ProjectionType: 'KEYS_ONLY' },
  });
  return new LocalTemplate([
    {
      stackName: 'Evolving',
      template: {
        Resources: {
          Table: {
            Type: 'AWS::DynamoDB::Table',
            Properties: {
              KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
              AttributeDefinitions: [
                { AttributeName: 'pk', AttributeType: 'S' },
                { AttributeName: 'gsi1pk', AttributeType: 'S' },
                ...(withStatusIndex ? [{ AttributeName: 'status', AttributeType: 'S' }] : []),
              ],
              GlobalSecondaryIndexes: [index('gsi1', 'gsi1pk'), ...(withStatusIndex ? [index('gsi3', 'status')] : [])],
              BillingMode: 'PAY_PER_REQUEST',
            },
          },
        },
      },
    },
  ]);
}

describe('createTablesFromTemplate', () => {
  it('returns the existing table with its data kept and the GSI the template added since, backfilled', async () => {
    const [name] = await createTablesFromTemplate(local.client, template(false));
    await local.client.send(
      new PutItemCommand({ TableName: name, Item: { pk: { S: 'v1' }, gsi1pk: { S: 'u1' }, status: { S: 'queued' } } }),
    );

    await createTablesFromTemplate(local.client, template(true));
    await createTablesFromTemplate(local.client, template(true));
    const { Table } = await local.client.send(new DescribeTableCommand({ TableName: name }));
    const { Items = [] } = await local.client.send(
      new QueryCommand({
        TableName: name,
        IndexName: 'gsi3',
        KeyConditionExpression: '#status = :status',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': { S: 'queued' } },
      }),
    );

    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort()).toEqual(['gsi1', 'gsi3']);
    expect(Items.map((item) => item.pk?.S)).toEqual(['v1']);
  });
});

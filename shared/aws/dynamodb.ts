import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { region } from './region';

/*
 * Module-scope DynamoDB clients, created once per execution environment. One module per AWS service, so a function
 * bundles only the clients it imports. Functions that trace wrap them in their handler (shared/observability/tracing.ts).
 */

/** The low-level DynamoDB client (for libraries that take one, e.g. the Powertools idempotency store). */
export const dynamodb = new DynamoDBClient({ region });

/** DynamoDB document client; undefined attributes are dropped rather than rejected. */
export const ddb = DynamoDBDocumentClient.from(dynamodb, {
  marshallOptions: { removeUndefinedValues: true },
});

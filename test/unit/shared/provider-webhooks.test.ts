import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { signWebhook } from '../../../local/provider-emulator/webhooks';
import { DynamoProviderCallbackStore } from '../../../shared/provider/webhooks/callback-store';
import { sfnTaskCallbacks } from '../../../shared/provider/webhooks/resume-execution';
import { verifySignature } from '../../../shared/provider/webhooks/signature';

const sfnMock = mockClient(SFNClient);
const ddbMock = mockClient(DynamoDBDocumentClient);
const output = {
  providerVideoId: 'video_1',
  status: 'completed',
  progress: 100,
  createdAt: 0,
  completedAt: 1,
  resumedBy: 'webhook',
} as const;

beforeEach(() => {
  sfnMock.reset();
  ddbMock.reset();
});

describe('sfnTaskCallbacks', () => {
  it('returns sent after SendTaskSuccess with the output as JSON and SendTaskFailure with error and cause', async () => {
    sfnMock.on(SendTaskSuccessCommand).resolves({}).on(SendTaskFailureCommand).resolves({});
    const callbacks = sfnTaskCallbacks(new SFNClient({ region: 'us-east-1' }));

    const results = [await callbacks.succeed('t1', output), await callbacks.fail('t2', 'GenerationFailedError', 'c')];

    expect(results).toEqual(['sent', 'sent']);
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input).toEqual({
      taskToken: 't1',
      output: JSON.stringify(output),
    });
    expect(sfnMock.commandCalls(SendTaskFailureCommand)[0]?.args[0].input).toEqual({
      taskToken: 't2',
      error: 'GenerationFailedError',
      cause: 'c',
    });
  });

  it.each([
    ['TaskDoesNotExist', new TaskDoesNotExist({ message: 'gone', $metadata: {} })],
    ['TaskTimedOut', new TaskTimedOut({ message: 'timed out', $metadata: {} })],
    ['InvalidToken', new InvalidToken({ message: 'invalid', $metadata: {} })],
  ])('returns late when Step Functions answers %s (the task no longer waits)', async (_, error) => {
    sfnMock.on(SendTaskSuccessCommand).rejects(error).on(SendTaskFailureCommand).rejects(error);
    const callbacks = sfnTaskCallbacks(new SFNClient({ region: 'us-east-1' }));

    expect(await callbacks.succeed('t', output)).toBe('late');
    expect(await callbacks.fail('t', 'E', 'c')).toBe('late');
  });

  it('throws any other error (throttling) so the caller can put the token back', async () => {
    sfnMock
      .on(SendTaskSuccessCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const callbacks = sfnTaskCallbacks(new SFNClient({ region: 'us-east-1' }));

    await expect(callbacks.succeed('t', output)).rejects.toThrow('Rate exceeded');
  });
});

describe('DynamoProviderCallbackStore', () => {
  const store = () =>
    new DynamoProviderCallbackStore(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), 'Table');

  it('takes the token with a conditional delete on the token itself, and returns undefined when it was taken first', async () => {
    ddbMock
      .on(DeleteCommand)
      .resolvesOnce({ Attributes: { taskToken: 't1', videoId: 'vid_1', storedAt: 5 } })
      .rejectsOnce(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }));

    const first = await store().takeTaskToken('video_1', 't1');
    const second = await store().takeTaskToken('video_1', 't1');

    expect(first).toEqual({ taskToken: 't1', videoId: 'vid_1', storedAt: 5 });
    expect(second).toBeUndefined();
    expect(ddbMock.commandCalls(DeleteCommand)[0]?.args[0].input).toMatchObject({
      TableName: 'Table',
      Key: { pk: 'PROVIDERJOB#video_1', sk: 'TASKTOKEN' },
      ConditionExpression: 'taskToken = :taskToken',
      ExpressionAttributeValues: { ':taskToken': 't1' },
      ReturnValues: 'ALL_OLD',
    });
  });

  it('records an event once per webhook id (conditional put), with a purge time', async () => {
    ddbMock
      .on(PutCommand)
      .resolvesOnce({})
      .rejectsOnce(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));
    const event = { webhookId: 'wh_1', type: 'video.completed', receivedAt: 1_000 };

    const results = [await store().recordEvent('video_1', event), await store().recordEvent('video_1', event)];

    expect(results).toEqual([true, false]);
    expect(ddbMock.commandCalls(PutCommand)[0]?.args[0].input).toMatchObject({
      Item: { pk: 'PROVIDERJOB#video_1', sk: 'EVENT#wh_1', type: 'video.completed', purgeAt: 1_000 + 7 * 86_400 },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });
});

describe('verifySignature', () => {
  it('returns true for the emulator’s signature and false for a changed body or a stale timestamp', () => {
    const now = Math.floor(Date.now() / 1000);
    const body = '{"id":"evt_1"}';
    const headers = (timestamp: number, signed = body) => ({
      'webhook-id': 'wh_1',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signWebhook('secret-1', 'wh_1', timestamp, signed),
    });

    expect(verifySignature(body, headers(now), 'secret-1')).toBe(true);
    expect(verifySignature(body, headers(now, '{"id":"evt_2"}'), 'secret-1')).toBe(false);
    expect(verifySignature(body, headers(now - 301), 'secret-1')).toBe(false);
    expect(verifySignature(body, headers(now), 'secret-2')).toBe(false);
  });
});

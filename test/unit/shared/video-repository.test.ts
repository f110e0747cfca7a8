import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/errors';
import { encodeCursor } from '../../../shared/http/cursor';
import { decodeCursor } from '../../../shared/video/cursors';
import { fromItem, toItem } from '../../../shared/video/item';
import { DynamoVideoRepository } from '../../../shared/video/repository';
import { aVideo } from '../fakes/fakes';

const documentClient = DynamoDBDocumentClient.from(
  new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }),
  { marshallOptions: { removeUndefinedValues: true } },
);
const ddbMock = mockClient(documentClient);
const repository = new DynamoVideoRepository(documentClient, 'videos');

function conditionFailed() {
  return new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
}

afterEach(() => {
  ddbMock.reset();
});

describe('video-repository', () => {
  it('returns an item with the contract keys and no null attributes when mapping a new video', () => {
    // Act
    const item = toItem(aVideo({ videoId: 'vid_1', userId: 'alice' }));

    // Assess
    expect(item).toMatchObject({ pk: 'VIDEO#vid_1', sk: 'VIDEO', gsi1pk: 'USER#alice', gsi1sk: 'VIDEO#vid_1' });
    expect(Object.values(item)).not.toContain(null);
    expect('providerVideoId' in item).toBe(false);
    expect(fromItem(item as unknown as Record<string, unknown>)).toEqual(aVideo({ videoId: 'vid_1', userId: 'alice' }));
  });

  it('returns applied false with the record as it stands when the video is already terminal', async () => {
    // Prepare
    ddbMock.on(UpdateCommand).rejects(conditionFailed());
    ddbMock.on(GetCommand).resolves({ Item: toItem(aVideo({ status: 'cancelled' })) });

    // Act
    const result = await repository.recordCreateAttempt('vid_1', 1);

    // Assess
    expect(result.applied).toBe(false);
    expect(result.video?.status).toBe('cancelled');
    expect(ddbMock.commandCalls(GetCommand)[0]?.args[0].input.ConsistentRead).toBe(true);
  });

  it('returns false when a claim for the provider job is held by another video', async () => {
    // Prepare
    ddbMock.on(PutCommand).rejects(conditionFailed());

    // Act
    const claimed = await repository.claimProviderJob('video_9', 'vid_2', 1);

    // Assess
    expect(claimed).toBe(false);
    const input = ddbMock.commandCalls(PutCommand)[0]!.args[0].input;
    expect(input.Item).toMatchObject({ pk: 'PROVIDERJOB#video_9', sk: 'CLAIM', videoId: 'vid_2' });
    expect(input.ConditionExpression).toBe('attribute_not_exists(pk) OR videoId = :videoId');
  });

  it('returns a full page and a cursor after its last item when a status filter thins out the results', async () => {
    // Prepare
    const items = ['vid_5', 'vid_4', 'vid_3', 'vid_2', 'vid_1'].map((id) =>
      toItem(aVideo({ videoId: id, status: 'completed' })),
    );
    ddbMock
      .on(QueryCommand)
      .resolvesOnce({ Items: [items[0]!], LastEvaluatedKey: { pk: 'x' } })
      .resolvesOnce({ Items: [items[1]!, items[2]!], LastEvaluatedKey: { pk: 'y' } })
      .resolvesOnce({ Items: [items[3]!] });

    // Act
    const page = await repository.listByUser('alice', { limit: 2, status: 'completed' });

    // Assess
    expect(page.items.map((video) => video.videoId)).toEqual(['vid_5', 'vid_4']);
    expect(decodeCursor(page.nextCursor!, 'alice')).toEqual({
      pk: 'VIDEO#vid_4',
      sk: 'VIDEO',
      gsi1pk: 'USER#alice',
      gsi1sk: 'VIDEO#vid_4',
    });
    const first = ddbMock.commandCalls(QueryCommand)[0]!.args[0].input;
    expect(first).toMatchObject({ IndexName: 'gsi1', ScanIndexForward: false, FilterExpression: '#status = :status' });
    expect(ddbMock.commandCalls(QueryCommand)).toHaveLength(2);
  });

  it('returns no cursor when the last page is reached', async () => {
    // Prepare
    ddbMock.on(QueryCommand).resolves({ Items: [toItem(aVideo({ videoId: 'vid_1' }))] });

    // Act
    const page = await repository.listByUser('alice', { limit: 20 });

    // Assess
    expect(page.nextCursor).toBeNull();
    expect(page.items).toHaveLength(1);
  });

  it('starts after the cursor when one is given', async () => {
    // Prepare
    ddbMock.on(QueryCommand).resolves({ Items: [] });
    const cursor = encodeCursor({ pk: 'VIDEO#vid_4', sk: 'VIDEO', gsi1pk: 'USER#alice', gsi1sk: 'VIDEO#vid_4' });

    // Act
    await repository.listByUser('alice', { limit: 2, after: cursor });

    // Assess
    expect(ddbMock.commandCalls(QueryCommand)[0]!.args[0].input.ExclusiveStartKey).toMatchObject({
      gsi1sk: 'VIDEO#vid_4',
    });
  });

  it.each([['garbage!'], [encodeCursor({ pk: 'VIDEO#v', sk: 'VIDEO', gsi1pk: 'USER#bob', gsi1sk: 'VIDEO#v' })]])(
    'throws a 400 on after when the cursor is %s',
    (cursor) => {
      // Act / Assess
      expect(() => decodeCursor(cursor, 'alice')).toThrow(ValidationError);
      try {
        decodeCursor(cursor, 'alice');
      } catch (error) {
        expect(error).toMatchObject({ param: 'after', status: 400 });
      }
    },
  );

  it('counts an attempt and keeps the first attempt time when recording a provider create', async () => {
    // Prepare
    ddbMock.on(UpdateCommand).resolves({ Attributes: toItem(aVideo({ providerCreateAttempts: 2 })) });

    // Act
    const result = await repository.recordCreateAttempt('vid_1', 1_763_700_100);

    // Assess
    expect(result.video?.providerCreateAttempts).toBe(2);
    const input = ddbMock.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(input.UpdateExpression).toContain('providerFirstAttemptAt = if_not_exists(providerFirstAttemptAt, :now)');
    expect(input.UpdateExpression).toContain('if_not_exists(providerCreateAttempts, :zero) + :one');
  });
});

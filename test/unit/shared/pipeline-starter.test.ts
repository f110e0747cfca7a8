import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { StepFunctionsPipelineStarter } from '../../../shared/pipeline/pipeline-starter';

const client = new SFNClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const sfnMock = mockClient(client);
const arn = 'arn:aws:states:us-east-1:123456789012:stateMachine:pipeline';

afterEach(() => {
  sfnMock.reset();
});

describe('pipeline-starter', () => {
  it('starts an execution named after the video with {videoId,userId}', async () => {
    // Prepare
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec', startDate: new Date() });

    // Act
    await new StepFunctionsPipelineStarter(client, arn).start({ videoId: 'vid_1', userId: 'alice' });

    // Assess
    expect(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input).toEqual({
      stateMachineArn: arn,
      name: 'vid_1',
      input: JSON.stringify({ videoId: 'vid_1', userId: 'alice' }),
    });
  });

  it('returns normally when the execution already exists', async () => {
    // Prepare
    sfnMock.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));

    // Act / Assess
    await expect(
      new StepFunctionsPipelineStarter(client, arn).start({ videoId: 'vid_1', userId: 'alice' }),
    ).resolves.toBeUndefined();
  });

  it('throws when Step Functions fails otherwise', async () => {
    // Prepare
    sfnMock.on(StartExecutionCommand).rejects(new Error('throttled'));

    // Act / Assess
    await expect(
      new StepFunctionsPipelineStarter(client, arn).start({ videoId: 'vid_1', userId: 'alice' }),
    ).rejects.toThrow('throttled');
  });
});

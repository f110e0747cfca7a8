import { ExecutionDoesNotExist, SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { executionArnOf, StepFunctionsPipelineStopper } from '../../../shared/pipeline/pipeline-stopper';

const client = new SFNClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const sfnMock = mockClient(client);
const arn = 'arn:aws:states:us-east-1:123456789012:stateMachine:pipeline';
const reason = { error: 'VideoCancelled', cause: 'Cancelled by its owner' };

afterEach(() => {
  sfnMock.reset();
});

describe('pipeline-stopper', () => {
  it('stops the execution named after the video, with the reason', async () => {
    // Prepare
    sfnMock.on(StopExecutionCommand).resolves({ stopDate: new Date() });

    // Act
    await new StepFunctionsPipelineStopper(client, arn).stop('vid_1', reason);

    // Assess
    expect(sfnMock.commandCalls(StopExecutionCommand)[0]?.args[0].input).toEqual({
      executionArn: 'arn:aws:states:us-east-1:123456789012:execution:pipeline:vid_1',
      ...reason,
    });
    expect(executionArnOf(arn, 'vid_1')).toBe('arn:aws:states:us-east-1:123456789012:execution:pipeline:vid_1');
  });

  it('returns normally when the execution does not exist', async () => {
    // Prepare
    sfnMock.on(StopExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'missing', $metadata: {} }));

    // Act / Assess
    await expect(new StepFunctionsPipelineStopper(client, arn).stop('vid_1', reason)).resolves.toBeUndefined();
  });

  it('throws when Step Functions fails otherwise', async () => {
    // Prepare
    sfnMock.on(StopExecutionCommand).rejects(new Error('throttled'));

    // Act / Assess
    await expect(new StepFunctionsPipelineStopper(client, arn).stop('vid_1', reason)).rejects.toThrow('throttled');
  });
});

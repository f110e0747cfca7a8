import { ConditionalCheckFailedException, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { GenerationFailedError } from '../../../shared/errors';
import { pipelineTask } from '../../../shared/pipeline/task-middleware';
import { fakeLogger } from '../fakes/fakes';

const context = { awsRequestId: 'lambda-1' } as unknown as Context;

describe('task-middleware', () => {
  it('puts videoId, userId and the execution name on the logs and the video id on the trace', async () => {
    // Prepare
    const logger = fakeLogger();
    const tracer = { putAnnotation: vi.fn() };
    const handler = middy<{ videoId: string; userId: string }, string>()
      .use(pipelineTask({ logger, tracer }))
      .handler(async (event) => event.videoId);

    // Act
    const result = await handler({ videoId: 'vid_1', userId: 'alice' }, context);

    // Assess
    expect(result).toBe('vid_1');
    expect(logger.appendKeys).toHaveBeenCalledWith({ videoId: 'vid_1', userId: 'alice', executionName: 'vid_1' });
    expect(tracer.putAnnotation).toHaveBeenCalledWith('videoId', 'vid_1');
  });

  it('throws the named error unchanged so Step Functions can match it', async () => {
    // Prepare
    const logger = fakeLogger();
    const handler = middy<{ videoId: string; userId: string }, string>()
      .use(pipelineTask({ logger }))
      .handler(async () => {
        throw new GenerationFailedError('moderation_blocked', 'moderation_blocked: no');
      });

    // Act
    const error = await handler({ videoId: 'vid_1', userId: 'alice' }, context).catch((caught: unknown) => caught);

    // Assess
    expect(error).toMatchObject({ name: 'GenerationFailedError', message: 'moderation_blocked: no' });
    expect(logger.warn).toHaveBeenCalledOnce();
  });

  it('renames a transient AWS SDK error TransientAwsError, keeping it as cause', async () => {
    // Prepare
    const throttled = new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} });
    const handler = middy<{ videoId: string; userId: string }, string>()
      .use(pipelineTask({ logger: fakeLogger() }))
      .handler(async () => {
        throw throttled;
      });

    // Act
    const error = await handler({ videoId: 'vid_1', userId: 'alice' }, context).catch((caught: unknown) => caught);

    // Assess
    expect(error).toMatchObject({ name: 'TransientAwsError', cause: throttled });
  });

  it('leaves a permanent AWS SDK error as it is', async () => {
    // Prepare
    const failed = new ConditionalCheckFailedException({ message: 'condition', $metadata: { httpStatusCode: 400 } });
    const handler = middy<{ videoId: string; userId: string }, string>()
      .use(pipelineTask({ logger: fakeLogger() }))
      .handler(async () => {
        throw failed;
      });

    // Act
    const error = await handler({ videoId: 'vid_1', userId: 'alice' }, context).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBe(failed);
  });

  it('throws before the handler runs when the event has no videoId', async () => {
    // Prepare
    const run = vi.fn();
    const handler = middy<Record<string, unknown>, void>()
      .use(pipelineTask({ logger: fakeLogger() }))
      .handler(async () => run());

    // Act / Assess
    await expect(handler({ userId: 'alice' }, context)).rejects.toThrow(/Invalid task input/);
    expect(run).not.toHaveBeenCalled();
  });
});

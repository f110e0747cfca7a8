import type { MiddlewareObj } from '@middy/core';
import * as z from 'zod/mini';
import { isTransientAwsError } from '../aws/transient-errors';
import { AppError, TransientAwsError } from '../errors';
import type { AppLogger } from '../observability/powertools';

/** The state every task receives (shared/pipeline/types.ts), validated loosely: tasks check what they need. */
export const pipelineStateSchema = z.looseObject({
  videoId: z.string().check(z.minLength(1)),
  userId: z.string().check(z.minLength(1)),
});

/**
 * For Step Functions task handlers: rejects an event without `videoId`/`userId`, and puts `videoId`, `userId`
 * and the execution name (the video id: executions are named after their video) on every log line and the video
 * id on the trace; logs the
 * named error a task throws, which the state machine then matches on. An AWS SDK error that is transient
 * (shared/aws/transient-errors.ts) is rethrown as TransientAwsError, keeping it as `cause`, so the state machine's Retry
 * list matches one name whatever the service. Tasks answer no HTTP, so errors propagate.
 */
export function pipelineTask(options: {
  logger: Pick<AppLogger, 'appendKeys' | 'warn'>;
  tracer?: { putAnnotation(key: string, value: string): void };
}): MiddlewareObj {
  return {
    before: async (request) => {
      const result = pipelineStateSchema.safeParse(request.event);
      if (!result.success) {
        throw new Error(`Invalid task input: ${result.error.issues.map((issue) => issue.message).join('; ')}`);
      }
      const { videoId, userId } = result.data;
      options.logger.appendKeys({ videoId, userId, executionName: videoId });
      // Annotations make a video's traces searchable in X-Ray.
      options.tracer?.putAnnotation('videoId', videoId);
    },
    onError: async (request) => {
      const error = request.error as Error | null;
      options.logger.warn('Task failed', { errorName: error?.name, errorMessage: error?.message });
      if (error !== null && !(error instanceof AppError) && isTransientAwsError(error)) {
        request.error = new TransientAwsError(`AWS call failed for now: ${error.name}: ${error.message}`, {
          cause: error,
        });
      }
    },
  };
}

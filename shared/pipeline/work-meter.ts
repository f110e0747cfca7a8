import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { isConditionFailure } from '../aws/condition-failure';
import type { AppLogger } from '../observability/powertools';
import { videoKey } from '../table-keys';

/** One task invocation's work. */
export interface TaskWork {
  /** True for PollGenerationJob (it stands for three state transitions). */
  poll: boolean;
  durationMs: number;
  memoryMb: number;
}

/** Adds a task invocation's work to its video's counters (read at settlement to price the AWS-side cost). */
export interface WorkMeter {
  record(videoId: string, work: TaskWork): Promise<void>;
}

/** Counters on the video item: `workInvocations`, `workPolls`, `workLambdaMbMillis` (ADD: order-free, no read). */
export class DynamoWorkMeter implements WorkMeter {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async record(videoId: string, work: TaskWork): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: videoKey(videoId),
          UpdateExpression: 'ADD workInvocations :one, workPolls :poll, workLambdaMbMillis :mbMillis',
          // Never create a stray item for a video that does not exist.
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: {
            ':one': 1,
            ':poll': work.poll ? 1 : 0,
            ':mbMillis': Math.ceil(work.durationMs) * work.memoryMb,
          },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}

/**
 * For task handlers: after each invocation (success or failure) adds its duration (the drop of the context's
 * remaining time, else the wall clock) × configured memory (`context.memoryLimitInMB`) to the video's work
 * counters. Metering never fails a task: an error is logged and dropped.
 */
export function meterTaskWork(options: {
  meter: WorkMeter;
  poll?: boolean;
  logger: Pick<AppLogger, 'warn'>;
}): MiddlewareObj<unknown, unknown, Error, Context> {
  // Per invocation (the local stack runs several invocations of one module at once).
  const starts = new WeakMap<object, { at: number; remaining: number | undefined }>();
  const remainingOf = (context: Context) =>
    typeof context.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : undefined;
  const record = async (request: { event: unknown; context: Context }) => {
    const videoId = (request.event as { videoId?: unknown } | null)?.videoId;
    const start = starts.get(request);
    if (typeof videoId !== 'string' || start === undefined) return;
    const remaining = remainingOf(request.context);
    const durationMs =
      start.remaining !== undefined && remaining !== undefined ? start.remaining - remaining : Date.now() - start.at;
    try {
      await options.meter.record(videoId, {
        poll: options.poll === true,
        durationMs: Math.max(1, durationMs),
        memoryMb: Number(request.context.memoryLimitInMB) || 128,
      });
    } catch (error) {
      options.logger.warn('Could not meter the task work', { error: (error as Error).message });
    }
  };
  return {
    before: async (request) => {
      starts.set(request, { at: Date.now(), remaining: remainingOf(request.context) });
    },
    after: async (request) => record(request),
    onError: async (request) => record(request),
  };
}

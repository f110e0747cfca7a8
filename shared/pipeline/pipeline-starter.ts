import type { SFNClient } from '@aws-sdk/client-sfn';
import { startExecutionOnce } from './start-execution';
import type { PipelineInput } from './types';

/** Starts the video pipeline for one video. */
export interface PipelineStarter {
  /** Starts the execution named after the video id; a second start of the same video is not a second execution. */
  start(input: PipelineInput): Promise<void>;
}

/** Step Functions implementation: `name = videoId`, input `{videoId, userId}`. */
export class StepFunctionsPipelineStarter implements PipelineStarter {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(input: PipelineInput): Promise<void> {
    // The name exists when this video's pipeline already started.
    await startExecutionOnce(this.client, {
      stateMachineArn: this.stateMachineArn,
      name: input.videoId,
      input: JSON.stringify({ videoId: input.videoId, userId: input.userId }),
    });
  }
}

import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
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
    try {
      await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: input.videoId,
          input: JSON.stringify({ videoId: input.videoId, userId: input.userId }),
        }),
      );
    } catch (error) {
      // Execution names are unique per state machine: the name exists, so this video's pipeline already started.
      if (error instanceof Error && error.name === 'ExecutionAlreadyExists') return;
      throw error;
    }
  }
}

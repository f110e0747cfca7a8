import { type SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';

/** Stops a video's pipeline execution. */
export interface PipelineStopper {
  /** Stops the execution named after the video id; an execution that is missing or already ended is left as it is. */
  stop(videoId: string, reason: { error: string; cause: string }): Promise<void>;
}

/** The ARN of the execution named `name` of the state machine `stateMachineArn`. */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/** Step Functions implementation: StopExecution on `{stateMachine}:{videoId}`. */
export class StepFunctionsPipelineStopper implements PipelineStopper {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async stop(videoId: string, reason: { error: string; cause: string }): Promise<void> {
    try {
      await this.client.send(
        new StopExecutionCommand({
          executionArn: executionArnOf(this.stateMachineArn, videoId),
          error: reason.error,
          cause: reason.cause,
        }),
      );
    } catch (error) {
      // Never started (its start failed) or already gone: nothing is running for this video.
      if (error instanceof Error && error.name === 'ExecutionDoesNotExist') return;
      throw error;
    }
  }
}

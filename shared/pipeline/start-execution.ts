import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';

/**
 * Starts an execution of a state machine (the video pipeline, a webhook delivery) under `name`, once. Execution names
 * are unique per state machine: a start whose name exists already is the execution an earlier attempt or run started,
 * not an error.
 */
export async function startExecutionOnce(
  client: SFNClient,
  start: { stateMachineArn: string; name: string; input: string },
): Promise<void> {
  try {
    await client.send(new StartExecutionCommand(start));
  } catch (error) {
    if (error instanceof Error && error.name === 'ExecutionAlreadyExists') return;
    throw error;
  }
}

import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  RedriveExecutionCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { executionArnOf } from './pipeline-stopper';

/** A video's execution as operators see it. */
export interface PipelineExecution {
  executionArn: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';
  startDate: Date;
  stopDate: Date | null;
  error: string | null;
  cause: string | null;
  redriveCount: number;
  redriveDate: Date | null;
}

/** Operators' access to a video's pipeline execution (named after the video id). */
export interface PipelineExecutions {
  /** The execution, or undefined when the video has none (its start failed). */
  describe(videoId: string): Promise<PipelineExecution | undefined>;
  /** Its whole history, oldest first (every page). */
  history(videoId: string): Promise<HistoryEvent[]>;
  /**
   * RedriveExecution; `clientToken` makes a repeated call the same redrive. Step Functions' own refusal
   * (`ExecutionNotRedrivable`) is thrown as it comes.
   */
  redrive(videoId: string, clientToken: string): Promise<{ redriveDate: Date }>;
}

/** The Step Functions implementation. */
export class StepFunctionsPipelineExecutions implements PipelineExecutions {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async describe(videoId: string): Promise<PipelineExecution | undefined> {
    try {
      const execution = await this.client.send(new DescribeExecutionCommand({ executionArn: this.arnOf(videoId) }));
      return {
        executionArn: execution.executionArn ?? this.arnOf(videoId),
        status: (execution.status ?? 'RUNNING') as PipelineExecution['status'],
        startDate: execution.startDate ?? new Date(0),
        stopDate: execution.stopDate ?? null,
        error: execution.error ?? null,
        cause: execution.cause ?? null,
        redriveCount: execution.redriveCount ?? 0,
        redriveDate: execution.redriveDate ?? null,
      };
    } catch (error) {
      if (error instanceof Error && error.name === 'ExecutionDoesNotExist') return undefined;
      throw error;
    }
  }

  async history(videoId: string): Promise<HistoryEvent[]> {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(
        new GetExecutionHistoryCommand({
          executionArn: this.arnOf(videoId),
          maxResults: 1000,
          includeExecutionData: false,
          nextToken,
        }),
      );
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
    return events;
  }

  async redrive(videoId: string, clientToken: string): Promise<{ redriveDate: Date }> {
    const { redriveDate } = await this.client.send(
      new RedriveExecutionCommand({ executionArn: this.arnOf(videoId), clientToken }),
    );
    return { redriveDate: redriveDate ?? new Date() };
  }

  private arnOf(videoId: string): string {
    return executionArnOf(this.stateMachineArn, videoId);
  }
}

import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { videoPipelineDefinition, videoPipelineTimeout } from '../../state-machines/video-pipeline';
import { AppFunction } from './app-function';
import { bindBucket, bindProvider, bindTable, type ProviderBinding } from './bindings';

export interface VideoPipelineProps {
  readonly table: dynamodb.ITable;
  readonly bucket: s3.IBucket;
  readonly provider: ProviderBinding;
  /**
   * How long the functions' and the state machine's logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The video pipeline: its five task functions (each granted exactly what notes/contract lists), and the
 * Standard state machine built by state-machines/video-pipeline.ts with logging (no execution data) and X-Ray.
 */
export class VideoPipeline extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly createGenerationJob: AppFunction;
  public readonly pollGenerationJob: AppFunction;
  public readonly storeVideo: AppFunction;
  public readonly recordCompletion: AppFunction;
  public readonly recordFailure: AppFunction;

  constructor(scope: Construct, id: string, props: VideoPipelineProps) {
    super(scope, id);
    const { table, bucket, provider } = props;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const task = (fnId: string, folder: string, sizing?: { memorySize: number; timeout: Duration }) =>
      new AppFunction(this, fnId, { folder, logRetention, memorySize: 512, timeout: Duration.seconds(30), ...sizing });

    this.createGenerationJob = task('CreateGenerationJobFunction', 'create-generation-job');
    bindTable(this.createGenerationJob, table, ['GetItem', 'UpdateItem', 'PutItem']);
    bindProvider(this.createGenerationJob, provider);

    this.pollGenerationJob = task('PollGenerationJobFunction', 'poll-generation-job');
    bindTable(this.pollGenerationJob, table, ['UpdateItem']);
    bindProvider(this.pollGenerationJob, provider);

    // Streams the MP4 into a multipart upload: memory stays flat, but a large video takes minutes.
    this.storeVideo = task('StoreVideoFunction', 'store-video', { memorySize: 1024, timeout: Duration.minutes(15) });
    bindTable(this.storeVideo, table, ['UpdateItem']);
    bindBucket(this.storeVideo, bucket, ['PutObject', 'AbortMultipartUpload']);
    bindProvider(this.storeVideo, provider);

    this.recordCompletion = task('RecordCompletionFunction', 'record-completion');
    bindTable(this.recordCompletion, table, ['GetItem', 'UpdateItem', 'PutItem']);

    this.recordFailure = task('RecordFailureFunction', 'record-failure');
    bindTable(this.recordFailure, table, ['GetItem', 'UpdateItem']);

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: videoPipelineDefinition(this, {
        createGenerationJob: this.createGenerationJob,
        pollGenerationJob: this.pollGenerationJob,
        storeVideo: this.storeVideo,
        recordCompletion: this.recordCompletion,
        recordFailure: this.recordFailure,
      }),
      timeout: videoPipelineTimeout(),
      tracingEnabled: true,
      logs: {
        destination: new logs.LogGroup(this, 'StateMachineLogs', {
          retention: logRetention,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
        level: sfn.LogLevel.ALL,
        // Execution data holds prompts and user ids: keep it out of the logs.
        includeExecutionData: false,
      },
    });
  }
}

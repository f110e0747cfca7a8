import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { TASK_TIMEOUT_SECONDS } from '../../shared/pipeline/duration';
import { videoPipelineDefinition, videoPipelineTimeout } from '../../state-machines/video-pipeline';
import { AppFunction } from './app-function';
import {
  bindBucket,
  bindProvider,
  bindProviderGate,
  bindProviderWebhooks,
  bindTable,
  type ProviderBinding,
} from './bindings';
import { stateMachineLogs, suppressGeneratedRoleFindings } from './state-machine-options';

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
 * The video pipeline: its five task functions (each granted exactly the table, bucket and provider actions its code uses), and the
 * Standard state machine built by state-machines/video-pipeline.ts with logging (no execution data) and X-Ray.
 */
export class VideoPipeline extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly createGenerationJob: AppFunction;
  public readonly pollGenerationJob: AppFunction;
  public readonly storeVideo: AppFunction;
  public readonly recordCompletion: AppFunction;
  public readonly recordFailure: AppFunction;
  public readonly waitForProviderWebhook: AppFunction;

  constructor(scope: Construct, id: string, props: VideoPipelineProps) {
    super(scope, id);
    const { table, bucket, provider } = props;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    // Each task's timeout is TASK_TIMEOUT_SECONDS (shared/pipeline/duration.ts), the value the whole-execution
    // timeout and the deadline watch are derived from, so the Lambda setting and that bound cannot drift apart.
    const task = (fnId: string, folder: string, timeout: keyof typeof TASK_TIMEOUT_SECONDS, memorySize = 512) =>
      new AppFunction(this, fnId, {
        folder,
        logRetention,
        memorySize,
        timeout: Duration.seconds(TASK_TIMEOUT_SECONDS[timeout]),
      });

    this.createGenerationJob = task('CreateGenerationJobFunction', 'create-generation-job', 'createGenerationJob');
    bindTable(this.createGenerationJob, table, ['GetItem', 'UpdateItem', 'PutItem', 'Query']);
    bindProvider(this.createGenerationJob, provider);
    // Whether its accepted jobs wait for the provider's webhooks (DoesProviderSendWebhooks) or are polled.
    bindProviderWebhooks(this.createGenerationJob);
    // A video made from an image sends the stored image to the provider.
    bindBucket(this.createGenerationJob, bucket, ['GetObject']);

    this.pollGenerationJob = task('PollGenerationJobFunction', 'poll-generation-job', 'pollGenerationJob');
    // GetItem, PutItem: the provider admission gate's items (each poll renews its job's slot, takes tokens).
    bindTable(this.pollGenerationJob, table, ['UpdateItem', 'GetItem', 'PutItem']);
    bindProvider(this.pollGenerationJob, provider);

    // Streams the MP4 into a multipart upload: memory stays flat, but a large video takes minutes.
    this.storeVideo = task('StoreVideoFunction', 'store-video', 'storeVideo', 1024);
    // GetItem, PutItem: the admission gate's request tokens (each download takes one just before it is sent).
    bindTable(this.storeVideo, table, ['UpdateItem', 'GetItem', 'PutItem']);
    // GetObject (HeadObject): reads back an upload whose CompleteMultipartUpload answer was lost. PutObjectTagging:
    // uploads carry the `pending` tag (S3 authorises x-amz-tagging with it).
    bindBucket(this.storeVideo, bucket, ['PutObject', 'PutObjectTagging', 'AbortMultipartUpload', 'GetObject']);
    bindProvider(this.storeVideo, provider);

    this.recordCompletion = task('RecordCompletionFunction', 'record-completion', 'recordCompletion');
    // DeleteItem: settling removes the video's deadline watch in the same transaction.
    bindTable(this.recordCompletion, table, ['GetItem', 'UpdateItem', 'PutItem', 'DeleteItem']);
    // Re-tags the stored objects `completed` (or `pending` again when the video was cancelled meanwhile).
    bindBucket(this.recordCompletion, bucket, ['PutObjectTagging']);

    this.recordFailure = task('RecordFailureFunction', 'record-failure', 'recordFailure');
    // PutItem: the provider-cost entry of a video the provider finished before it failed (inside a transaction).
    bindTable(this.recordFailure, table, ['GetItem', 'UpdateItem', 'PutItem', 'DeleteItem']);
    // The admission gate: a failed video's slot goes back (GetItem, PutItem above).
    bindProviderGate(this.recordFailure, provider);

    this.waitForProviderWebhook = task(
      'WaitForProviderWebhookFunction',
      'wait-for-provider-webhook',
      'waitForProviderWebhook',
    );
    // PutItem, GetItem, DeleteItem, Query: the task token and the job's recorded events (callback-store.ts);
    // UpdateItem: the admission gate renews the job's slot as the wait starts (and takes a token for the re-read).
    bindTable(this.waitForProviderWebhook, table, ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query']);
    bindProvider(this.waitForProviderWebhook, provider);

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: videoPipelineDefinition(this, {
        createGenerationJob: this.createGenerationJob,
        pollGenerationJob: this.pollGenerationJob,
        storeVideo: this.storeVideo,
        recordCompletion: this.recordCompletion,
        recordFailure: this.recordFailure,
        waitForProviderWebhook: this.waitForProviderWebhook,
      }),
      timeout: videoPipelineTimeout(),
      tracingEnabled: true,
      logs: stateMachineLogs(this, logRetention),
    });
    suppressGeneratedRoleFindings(this.stateMachine);
    // An event that came before the wait: the step settles its own execution's token (SendTaskSuccess/Failure).
    // A policy of its own, not the role's default one: the function must not depend on the state machine that
    // depends on it (a template cycle).
    new iam.Policy(this, 'WaitForProviderWebhookTaskResponse', {
      roles: [this.waitForProviderWebhook.role!],
      statements: [
        new iam.PolicyStatement({
          actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
          resources: [this.stateMachine.stateMachineArn],
        }),
      ],
    });
  }
}

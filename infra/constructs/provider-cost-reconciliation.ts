import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { UPLOAD_KEY_PREFIX, VIDEO_KEY_PREFIX } from '../../shared/video/object-keys';
import { AppFunction } from './app-function';
import {
  bindBucket,
  bindBucketListing,
  bindProvider,
  bindStateMachineExecutions,
  bindTable,
  type ProviderBinding,
} from './bindings';
import { TABLE_INDEXES } from './storage';

export interface ProviderCostReconciliationProps {
  readonly table: dynamodb.ITable;
  readonly provider: ProviderBinding;
  /** The bucket: a user erasure deletes every object under the user's prefixes. */
  readonly bucket: s3.IBucket;
  /** The Powertools idempotency table: an erasure removes the stored answers that hold a user's prompts. */
  readonly idempotencyTable: dynamodb.ITable;
  /** The video pipeline: an erasure stops the executions of the videos it cancels. */
  readonly stateMachine: sfn.IStateMachine;
  /**
   * How often the reconciler runs.
   * @default Duration.minutes(15)
   */
  readonly every?: Duration;
  /**
   * How long the function's logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Records for finance the provider jobs that finished after reelflow gave up on them: the reconcile-provider-costs
 * function, run by an EventBridge schedule, reads the due `RECONCILE` work items, asks the provider how each job
 * ended and records a completed one's cost once (shared/money/reconciliation.ts); it also finds the job of a video
 * that ended before saving it, and releases a video whose deadline watch is due while it is still unsettled. It
 * also deletes the provider's copies of deleted videos and carries out user erasures (cancel, delete every video and
 * object of the user).
 */
export class ProviderCostReconciliation extends Construct {
  public readonly function: AppFunction;
  public readonly schedule: events.Rule;

  constructor(scope: Construct, id: string, props: ProviderCostReconciliationProps) {
    super(scope, id);
    // 60 s: room for one provider request (PROVIDER_TIMEOUT_MS, 30 s) after the run stops starting new items.
    this.function = new AppFunction(this, 'ReconcileProviderCostsFunction', {
      folder: 'reconcile-provider-costs',
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      memorySize: 256,
      timeout: Duration.seconds(60),
    });
    // Query/PutItem/DeleteItem: the work items and job claims; GetItem/PutItem/UpdateItem: the provider-cost and
    // release transactions.
    // Query on gsi1: an erasure lists the user's videos; its cancels are the same transactions as a release.
    bindTable(this.function, props.table, ['Query', 'GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'], {
      queryIndexes: [TABLE_INDEXES.byUser],
    });
    bindProvider(this.function, props.provider);
    // Erasures: every object under the user's prefixes (listed, then deleted), the idempotency records of the user's
    // videos, and the executions of the videos they cancel.
    bindBucket(this.function, props.bucket, ['DeleteObject'], VIDEO_KEY_PREFIX);
    bindBucket(this.function, props.bucket, ['DeleteObject'], UPLOAD_KEY_PREFIX);
    bindBucketListing(this.function, props.bucket, [VIDEO_KEY_PREFIX, UPLOAD_KEY_PREFIX]);
    bindTable(this.function, props.idempotencyTable, ['DeleteItem'], { envName: 'IDEMPOTENCY_TABLE_NAME' });
    bindStateMachineExecutions(this.function, props.stateMachine, ['StopExecution']);

    this.schedule = new events.Rule(this, 'Schedule', {
      description: 'Runs reconcile-provider-costs: provider jobs reelflow gave up on that may since have finished',
      schedule: events.Schedule.rate(props.every ?? Duration.minutes(15)),
      // A missed run is made up by the next one: items stay due until handled.
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 0 })],
    });
  }
}

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
  bindProviderGate,
  bindStateMachineExecutions,
  bindTable,
  type ProviderBinding,
} from './bindings';
import { TABLE_INDEXES } from './storage';

export interface UserErasureProps {
  readonly table: dynamodb.ITable;
  /** The bucket: an erasure deletes every object under the user's prefixes. */
  readonly bucket: s3.IBucket;
  /** The Powertools idempotency table: an erasure removes the stored answers that hold a user's prompts. */
  readonly idempotencyTable: dynamodb.ITable;
  /** The video pipeline: an erasure stops the executions of the videos it cancels. */
  readonly stateMachine: sfn.IStateMachine;
  /**
   * The provider: only its admission gate (a video cancelled before the provider accepted its job leaves the line
   * for a slot). No secret: an erasure sends the provider nothing.
   */
  readonly provider: ProviderBinding;
  /**
   * How often the erasures are worked on.
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
 * Carries out the erasures of users' data that `DELETE /v1/admin/users/{userId}` queues: the erase-user-data
 * function, run by an EventBridge schedule, reads the due `user_erasure` work items (pk `ERASURE`, and those queued
 * in `RECONCILE` before erasures had their own partition; shared/erasure/erasure-queue.ts), cancels the user's
 * unfinished videos, deletes every video, every object under the user's prefixes and their webhook endpoints. It alone
 * holds the grants that takes: S3 DeleteObject and ListBucket under the user prefixes, DeleteItem on the idempotency
 * table and StopExecution on the pipeline's executions.
 */
export class UserErasure extends Construct {
  public readonly function: AppFunction;
  public readonly schedule: events.Rule;

  constructor(scope: Construct, id: string, props: UserErasureProps) {
    super(scope, id);
    // 60 s: one run stops starting pages of videos 35 s before its end (functions/erase-user-data/handler.ts).
    this.function = new AppFunction(this, 'EraseUserDataFunction', {
      folder: 'erase-user-data',
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      memorySize: 256,
      timeout: Duration.seconds(60),
    });
    // Query/PutItem/DeleteItem: the erasure work items (both partitions), the provider-copy work items, the user's
    // webhook items; GetItem/UpdateItem: the erasure, the videos and the cancel transactions, the admission gate.
    // Query on gsi1: the user's videos.
    bindTable(this.function, props.table, ['Query', 'GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'], {
      queryIndexes: [TABLE_INDEXES.byUser],
    });
    bindProviderGate(this.function, props.provider);
    // Every object under the user's prefixes (listed, then deleted), the idempotency records of the user's videos,
    // and the executions of the videos the erasure cancels.
    bindBucket(this.function, props.bucket, ['DeleteObject'], VIDEO_KEY_PREFIX);
    bindBucket(this.function, props.bucket, ['DeleteObject'], UPLOAD_KEY_PREFIX);
    bindBucketListing(this.function, props.bucket, [VIDEO_KEY_PREFIX, UPLOAD_KEY_PREFIX]);
    bindTable(this.function, props.idempotencyTable, ['DeleteItem'], { envName: 'IDEMPOTENCY_TABLE_NAME' });
    bindStateMachineExecutions(this.function, props.stateMachine, ['StopExecution']);

    this.schedule = new events.Rule(this, 'Schedule', {
      description: 'Runs erase-user-data: the erasures of users’ data that are due',
      schedule: events.Schedule.rate(props.every ?? Duration.minutes(15)),
      // A missed run is made up by the next one: items stay due until handled.
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 0 })],
    });
  }
}

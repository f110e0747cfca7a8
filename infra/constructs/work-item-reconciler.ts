import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { AppFunction } from './app-function';
import { bindProvider, bindTable, type ProviderBinding } from './bindings';

export interface WorkItemReconcilerProps {
  readonly table: dynamodb.ITable;
  readonly provider: ProviderBinding;
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
 * The reconciler: the reconcile-work-items function, run by an EventBridge schedule, works through the due work items
 * of the `RECONCILE` partition (shared/money/reconciliation.ts): it asks the provider how each job reelflow gave up on
 * ended and records a completed one's cost for finance once, finds the job of a video that ended before saving it,
 * settles held cancels from their job's outcome, releases a video whose deadline watch is due while it is still
 * unsettled, and deletes the provider's copies of deleted videos. It deletes no object and stops no execution: user
 * erasures are the UserErasure construct's (user-erasure.ts).
 */
export class WorkItemReconciler extends Construct {
  public readonly function: AppFunction;
  public readonly schedule: events.Rule;

  constructor(scope: Construct, id: string, props: WorkItemReconcilerProps) {
    super(scope, id);
    // 60 s: room for one provider request (PROVIDER_TIMEOUT_MS, 30 s) after the run stops starting new items.
    this.function = new AppFunction(this, 'ReconcileWorkItemsFunction', {
      folder: 'reconcile-work-items',
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      memorySize: 256,
      timeout: Duration.seconds(60),
    });
    // Query/PutItem/DeleteItem: the work items and job claims; GetItem/PutItem/UpdateItem: the provider-cost, release
    // and held-cancel transactions, and the admission gate's items.
    bindTable(this.function, props.table, ['Query', 'GetItem', 'PutItem', 'UpdateItem', 'DeleteItem']);
    bindProvider(this.function, props.provider);

    this.schedule = new events.Rule(this, 'Schedule', {
      description:
        'Runs reconcile-work-items: provider jobs reelflow gave up on, orphan searches, held cancels, deadline ' +
        'watches and provider copies of deleted videos',
      schedule: events.Schedule.rate(props.every ?? Duration.minutes(15)),
      // A missed run is made up by the next one: items stay due until handled.
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 0 })],
    });
  }
}

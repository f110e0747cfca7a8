import { Stack, type StackProps } from 'aws-cdk-lib';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';
import { DEFAULT_CATALOGUE } from '../../shared/catalogue/default-catalogue';
import { HttpApi } from '../constructs/http-api';
import { Observability } from '../constructs/observability';
import { UserErasure } from '../constructs/user-erasure';
import { VideoPipeline } from '../constructs/video-pipeline';
import { WebConsole } from '../constructs/web-console';
import { WebhookDelivery } from '../constructs/webhook-delivery';
import { WorkItemReconciler } from '../constructs/work-item-reconciler';

export interface StatelessStackProps extends StackProps {
  readonly bucket: s3.IBucket;
  readonly table: dynamodb.ITable;
  readonly idempotencyTable: dynamodb.ITable;
  readonly providerSecret: secretsmanager.ISecret;
  readonly userPool: cognito.UserPool;
  readonly userPoolClient: cognito.IUserPoolClient;
  /** The provider's OpenAI-compatible base URL (https). */
  readonly providerBaseUrl: string;
  /** The admission gate's limits for the provider account. @default - DEFAULT_PROVIDER_LIMITS (infra/config.ts) */
  readonly providerLimits?: { readonly maxConcurrentJobs: number; readonly requestsPerMinute: number };
  /**
   * The model catalogue as compact JSON, checked (infra/config.ts).
   * @default - the default catalogue (shared/catalogue/default-catalogue.ts)
   */
  readonly catalogueJson?: string;
  /** Origins the API's CORS preflight allows. */
  readonly corsAllowOrigins: string[];
  /** Email address subscribed to the alarm topic. @default - none */
  readonly alarmEmail?: string | undefined;
  /** The prefix of the console's managed-login domain. @default - see WebConsole */
  readonly loginDomainPrefix?: string | undefined;
}

/**
 * Code and wiring, replaceable at will: functions, the video pipeline state machine, the HTTP API, the scheduled
 * work-item reconciler and user erasures, the webhook delivery workflow and its dispatcher, alarms.
 */
export class StatelessStack extends Stack {
  public readonly pipeline: VideoPipeline;
  public readonly api: HttpApi;
  public readonly observability: Observability;
  public readonly reconciler: WorkItemReconciler;
  public readonly erasure: UserErasure;
  public readonly webhooks: WebhookDelivery;
  public readonly webConsole: WebConsole;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    this.pipeline = new VideoPipeline(this, 'Pipeline', {
      table: props.table,
      bucket: props.bucket,
      provider: { baseUrl: props.providerBaseUrl, secret: props.providerSecret, limits: props.providerLimits },
    });
    this.reconciler = new WorkItemReconciler(this, 'WorkItemReconciler', {
      table: props.table,
      provider: { baseUrl: props.providerBaseUrl, secret: props.providerSecret, limits: props.providerLimits },
    });
    this.erasure = new UserErasure(this, 'UserErasure', {
      table: props.table,
      bucket: props.bucket,
      idempotencyTable: props.idempotencyTable,
      stateMachine: this.pipeline.stateMachine,
      // Only the admission gate: an erasure takes a cancelled video out of the line for a slot.
      provider: { baseUrl: props.providerBaseUrl, secret: props.providerSecret, limits: props.providerLimits },
    });
    this.webhooks = new WebhookDelivery(this, 'WebhookDelivery', { table: props.table });
    this.api = new HttpApi(this, 'Api', {
      resources: {
        table: props.table,
        idempotencyTable: props.idempotencyTable,
        bucket: props.bucket,
        stateMachine: this.pipeline.stateMachine,
        // The gate's limits too: the receiver and GET /v1/videos/{id} take tokens from the pipeline's bucket.
        provider: { baseUrl: props.providerBaseUrl, secret: props.providerSecret, limits: props.providerLimits },
        catalogueJson: props.catalogueJson ?? JSON.stringify(DEFAULT_CATALOGUE),
      },
      userPool: props.userPool,
      userPoolClient: props.userPoolClient,
      corsAllowOrigins: props.corsAllowOrigins,
    });
    this.webConsole = new WebConsole(this, 'Console', {
      httpApi: this.api.httpApi,
      bucket: props.bucket,
      userPool: props.userPool,
      ...(props.loginDomainPrefix ? { loginDomainPrefix: props.loginDomainPrefix } : {}),
    });
    this.api.allowClient(this.webConsole.client);
    const pipeline = this.pipeline;
    // Pipeline tasks that throw to report a video's failure: their Lambda errors include moderation blocks.
    const reportsFailureByThrowing = [pipeline.createGenerationJob, pipeline.pollGenerationJob, pipeline.storeVideo];
    const functions = [
      ...reportsFailureByThrowing,
      pipeline.recordCompletion,
      pipeline.recordFailure,
      // Its errors are never expected (a provider that cannot answer leaves the wait to its timeout, then polling).
      pipeline.waitForProviderWebhook,
      this.reconciler.function,
      this.erasure.function,
      this.webhooks.dispatchFunction,
      this.webhooks.deliverFunction,
      ...this.api.functions.values(),
    ];
    this.observability = new Observability(this, 'Observability', {
      stateMachine: pipeline.stateMachine,
      httpApi: this.api.httpApi,
      functions: functions.map((fn) => ({
        service: fn.folder,
        fn,
        errorsPage: !reportsFailureByThrowing.includes(fn),
      })),
      providerServices: [...reportsFailureByThrowing, this.reconciler.function].map((fn) => fn.folder),
      tables: [props.table, props.idempotencyTable],
      alarmEmail: props.alarmEmail,
    });

    NagSuppressions.addStackSuppressions(this, [
      {
        id: 'AwsSolutions-IAM4',
        reason:
          'Functions use the AWS managed AWSLambdaBasicExecutionRole (CloudWatch Logs only); every data-plane grant ' +
          'is an explicit, resource-scoped inline policy (infra/constructs/bindings.ts).',
        appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
      },
    ]);
  }
}

import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { NagSuppressions } from 'cdk-nag';
import type { CatalogueEnv } from '../../shared/catalogue/env';
import type {
  BucketEnv,
  DeliveryStateMachineEnv,
  IdempotencyEnv,
  ProviderEnv,
  ProviderWebhooksEnv,
  StateMachineEnv,
  TableEnv,
} from '../../shared/config';
import { type UPLOAD_KEY_PREFIX, VIDEO_KEY_PREFIX } from '../../shared/video/object-keys';
import type { AppFunction } from './app-function';

/**
 * `bind*` helpers: each grants a function exactly the listed actions on one resource and sets the environment
 * variable that names the resource, in one call, so a grant and its env var never drift apart.
 */

/** Item-level DynamoDB actions a function may be granted (TransactWriteItems is authorised per item action). */
export type TableAction =
  | 'GetItem'
  | 'BatchGetItem'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'ConditionCheckItem'
  | 'Query';

/** Object-level S3 actions a function may be granted under `videos/*`. */
export type ObjectAction = 'GetObject' | 'PutObject' | 'PutObjectTagging' | 'AbortMultipartUpload' | 'DeleteObject';

export interface BindTableOptions {
  /**
   * The env var naming the table, one of the names the env schemas in shared/config.ts read.
   * @default 'TABLE_NAME'
   */
  readonly envName?: keyof TableEnv | keyof IdempotencyEnv;
  /**
   * Indexes the function queries; their ARNs are added for `Query` only.
   * @default - none: the grant covers the base table only
   */
  readonly queryIndexes?: readonly string[];
}

/** Grants `actions` on the table (and `Query` on `queryIndexes`) and sets `TABLE_NAME` (or `envName`). */
export function bindTable(
  fn: AppFunction,
  table: dynamodb.ITable,
  actions: readonly TableAction[],
  options: BindTableOptions = {},
): void {
  iam.Grant.addToPrincipal({
    grantee: fn,
    actions: actions.map((action) => `dynamodb:${action}`),
    resourceArns: [table.tableArn],
  });
  const indexes = options.queryIndexes ?? [];
  if (indexes.length > 0) {
    if (!actions.includes('Query')) {
      throw new Error(`bindTable(${fn.folder}): queryIndexes given without the Query action`);
    }
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ['dynamodb:Query'],
      resourceArns: indexes.map((index) => `${table.tableArn}/index/${index}`),
    });
  }
  fn.addEnvironment(options.envName ?? 'TABLE_NAME', table.tableName);
}

/**
 * Grants `actions` on objects under one key prefix only (`videos/` unless `prefix`, e.g. `uploads/`) and sets
 * `BUCKET_NAME`.
 */
export function bindBucket(
  fn: AppFunction,
  bucket: s3.IBucket,
  actions: readonly ObjectAction[],
  prefix: typeof VIDEO_KEY_PREFIX | typeof UPLOAD_KEY_PREFIX = VIDEO_KEY_PREFIX,
): void {
  iam.Grant.addToPrincipal({
    grantee: fn,
    actions: actions.map((action) => `s3:${action}`),
    resourceArns: [bucket.arnForObjects(`${prefix}*`)],
  });
  setEnvironment(fn, { BUCKET_NAME: bucket.bucketName } satisfies BucketEnv);
  NagSuppressions.addResourceSuppressions(
    fn,
    [
      {
        id: 'AwsSolutions-IAM5',
        reason:
          `Object keys (${prefix}{userId}/...) are created at run time; the grant is limited to the ` +
          `${prefix} prefix and to ${actions.join(', ')}.`,
        appliesTo: [{ regex: `/^Resource::.*\\/${prefix.replace('/', '')}\\/\\*$/` }],
      },
    ],
    true,
  );
}

/**
 * Grants `s3:ListBucket` on the bucket for keys under the given prefixes only (condition `s3:prefix`), e.g. to delete
 * everything under a user's prefix. Does not set `BUCKET_NAME`: pair it with {@link bindBucket}.
 */
export function bindBucketListing(
  fn: AppFunction,
  bucket: s3.IBucket,
  prefixes: ReadonlyArray<typeof VIDEO_KEY_PREFIX | typeof UPLOAD_KEY_PREFIX>,
): void {
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': prefixes.map((prefix) => `${prefix}*`) } },
    }),
  );
}

/**
 * Grants `secretsmanager:GetSecretValue` on the provider secret (nothing else: Powertools `getSecret` needs only
 * that) and sets `PROVIDER_SECRET_ARN`.
 */
export function bindProviderSecret(fn: AppFunction, secret: secretsmanager.ISecret): void {
  iam.Grant.addToPrincipal({
    grantee: fn,
    actions: ['secretsmanager:GetSecretValue'],
    resourceArns: [secret.secretArn],
  });
  setEnvironment(fn, { PROVIDER_SECRET_ARN: secret.secretArn } satisfies Partial<ProviderEnv>);
}

/** Grants `states:StartExecution` on the state machine and sets `STATE_MACHINE_ARN`. */
export function bindStateMachine(fn: AppFunction, stateMachine: sfn.IStateMachine): void {
  stateMachine.grantStartExecution(fn);
  setEnvironment(fn, { STATE_MACHINE_ARN: stateMachine.stateMachineArn } satisfies StateMachineEnv);
}

/** Grants `states:StartExecution` on the webhook delivery state machine and sets `DELIVERY_STATE_MACHINE_ARN`. */
export function bindDeliveryStateMachine(fn: AppFunction, stateMachine: sfn.IStateMachine): void {
  stateMachine.grantStartExecution(fn);
  setEnvironment(fn, { DELIVERY_STATE_MACHINE_ARN: stateMachine.stateMachineArn } satisfies DeliveryStateMachineEnv);
}

/** Execution-level Step Functions actions a function may be granted. */
export type ExecutionAction = 'StopExecution' | 'DescribeExecution' | 'GetExecutionHistory' | 'RedriveExecution';

/**
 * Grants `actions` on the state machine's executions only (`execution:{stateMachineName}:*`, not the state
 * machine itself) and sets `STATE_MACHINE_ARN` (the execution ARN is derived from it and the video id).
 */
export function bindStateMachineExecutions(
  fn: AppFunction,
  stateMachine: sfn.IStateMachine,
  actions: readonly ExecutionAction[],
): void {
  stateMachine.grantExecution(fn, ...actions.map((action) => `states:${action}`));
  setEnvironment(fn, { STATE_MACHINE_ARN: stateMachine.stateMachineArn } satisfies StateMachineEnv);
  NagSuppressions.addResourceSuppressions(
    fn,
    [
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'Executions are named after video ids created at run time; the grant is limited to the executions of ' +
          `this one state machine and to ${actions.join(', ')}.`,
        appliesTo: [{ regex: '/^Resource::arn:<AWS::Partition>:states:.*:execution:.*:\\*$/' }],
      },
    ],
    true,
  );
}

/** The provider's endpoint and credentials. */
export interface ProviderBinding {
  /** OpenAI-compatible base URL (https). */
  readonly baseUrl: string;
  readonly secret: secretsmanager.ISecret;
  /** The admission gate's limits for this provider account. @default - the functions' defaults (shared/config.ts) */
  readonly limits?: { readonly maxConcurrentJobs: number; readonly requestsPerMinute: number } | undefined;
}

/**
 * Sets `PROVIDER_BASE_URL` and the admission gate's limits (`PROVIDER_MAX_CONCURRENT_JOBS`,
 * `PROVIDER_REQUESTS_PER_MINUTE`), and binds the provider secret (`PROVIDER_SECRET_ARN`, GetSecretValue). Every
 * function that calls the provider shares the gate (its items are in the table each of them is bound to).
 */
export function bindProvider(fn: AppFunction, provider: ProviderBinding): void {
  bindProviderGate(fn, provider);
  bindProviderSecret(fn, provider.secret);
}

/**
 * Sets `PROVIDER_BASE_URL` and the admission gate's limits only, for a function that uses the gate (its items are
 * in the table) without calling the provider: no secret.
 */
export function bindProviderGate(fn: AppFunction, provider: ProviderBinding): void {
  setEnvironment(fn, {
    PROVIDER_BASE_URL: provider.baseUrl,
    ...(provider.limits === undefined
      ? {}
      : {
          PROVIDER_MAX_CONCURRENT_JOBS: String(provider.limits.maxConcurrentJobs),
          PROVIDER_REQUESTS_PER_MINUTE: String(provider.limits.requestsPerMinute),
        }),
  } satisfies Partial<ProviderEnv>);
}

/**
 * Sets `PROVIDER_WEBHOOKS` (`on`, the default: the pipeline waits for the provider's webhooks when the provider secret
 * has a `webhookSecret`, and GET /v1/videos/{id} reads a waiting video's progress; `off`: an operator forcing the
 * polling path without touching the secret).
 */
export function bindProviderWebhooks(fn: AppFunction, setting: 'on' | 'off' = 'on'): void {
  setEnvironment(fn, { PROVIDER_WEBHOOKS: setting } satisfies Partial<ProviderWebhooksEnv>);
}

/** Adds env vars whose names are checked (`satisfies`) against the functions' env schemas in shared/config.ts. */
/**
 * Sets `MODEL_CATALOGUE`, the deployment's model catalogue as compact JSON (checked at synth, infra/config.ts), on a
 * function that reads it: the ones that admit videos and the model routes. No grant: it is configuration.
 */
export function bindCatalogue(fn: AppFunction, catalogueJson: string): void {
  setEnvironment(fn, { MODEL_CATALOGUE: catalogueJson } satisfies CatalogueEnv);
}

function setEnvironment(fn: AppFunction, environment: Record<string, string>): void {
  for (const [name, value] of Object.entries(environment)) {
    fn.addEnvironment(name, value);
  }
}

import { Duration } from 'aws-cdk-lib';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { UPLOAD_KEY_PREFIX } from '../shared/video/object-keys';
import type { AppFunction } from './constructs/app-function';
import {
  bindBucket,
  bindCatalogue,
  bindProvider,
  bindProviderGate,
  bindStateMachine,
  bindStateMachineExecutions,
  bindTable,
  type ProviderBinding,
} from './constructs/bindings';
import { TABLE_INDEXES } from './constructs/storage';

/**
 * The HTTP API's routes and the functions behind them. Adding a route is one line in `ROUTES`; a route served by
 * a new function also needs one entry in `ROUTE_FUNCTIONS` (its grants: what its code reads and writes).
 */

/** What route functions may be bound to. */
export interface ApiResources {
  readonly table: dynamodb.ITable;
  readonly idempotencyTable: dynamodb.ITable;
  readonly bucket: s3.IBucket;
  readonly stateMachine: sfn.IStateMachine;
  /** The provider's endpoint and secret (the provider webhook receiver verifies with it and reads jobs). */
  readonly provider: ProviderBinding;
  /** The deployment's model catalogue, as compact JSON (checked at synth: infra/config.ts). */
  readonly catalogueJson: string;
}

/** A route function: its grants and environment, and its sizing when the defaults do not fit. */
export interface RouteFunctionSpec {
  /** Grants exactly what the function needs and sets the matching env vars (use the `bind*` helpers). */
  readonly bind: (fn: AppFunction, resources: ApiResources) => void;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default Duration.seconds(10) (the HTTP API gives up after 30 s) */
  readonly timeout?: Duration;
}

/** Remix, edit and extend: each reads its source and admits a new video like a create (without an image). */
const VIDEO_FROM_VIDEO: RouteFunctionSpec = {
  bind: (fn, { table, idempotencyTable, stateMachine, catalogueJson }) => {
    // GetItem: the source and the user's limits; PutItem/UpdateItem: the reservation transaction; DeleteItem: a
    // release when the start fails removes the deadline watch.
    bindTable(fn, table, ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem']);
    bindTable(fn, idempotencyTable, ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'], {
      envName: 'IDEMPOTENCY_TABLE_NAME',
    });
    bindStateMachine(fn, stateMachine);
    // The source's model must still be offered; the new video is priced at the catalogue's current price.
    bindCatalogue(fn, catalogueJson);
  },
  timeout: Duration.seconds(15),
};

/** Route functions by folder under `functions/`. */
export const ROUTE_FUNCTIONS = {
  'get-health': { bind: () => {} },
  'get-usage': { bind: (fn, { table }) => bindTable(fn, table, ['GetItem']) },
  'get-costs': {
    bind: (fn, { table }) => bindTable(fn, table, ['Query'], { queryIndexes: [TABLE_INDEXES.byMonth] }),
  },
  'get-user-limits': { bind: (fn, { table }) => bindTable(fn, table, ['GetItem']) },
  // GetItem: the limits before the change; UpdateItem and PutItem: the change and its audit record, one transaction.
  'put-user-limits': { bind: (fn, { table }) => bindTable(fn, table, ['GetItem', 'UpdateItem', 'PutItem']) },
  // GetItem/PutItem: the erasure, its audit record and its work item (one transaction); Query (gsi1): whether a user
  // erased before has videos again. The erasing itself is erase-user-data's (infra/constructs/user-erasure.ts).
  'erase-user': {
    bind: (fn, { table }) =>
      bindTable(fn, table, ['GetItem', 'PutItem', 'Query'], { queryIndexes: [TABLE_INDEXES.byUser] }),
  },
  'get-audit': {
    bind: (fn, { table }) => bindTable(fn, table, ['Query'], { queryIndexes: [TABLE_INDEXES.byMonth] }),
  },
  'create-video': {
    bind: (fn, { table, idempotencyTable, stateMachine, bucket, catalogueJson }) => {
      // The reference image: written under the video's prefix (deleted again when the video is not admitted), and
      // read from the caller's upload. PutObjectTagging: it is written tagged `pending` (S3 authorises x-amz-tagging
      // with it).
      bindBucket(fn, bucket, ['PutObject', 'PutObjectTagging', 'DeleteObject']);
      bindBucket(fn, bucket, ['GetObject'], UPLOAD_KEY_PREFIX);
      // DeleteItem: settling a video (release when the start fails) removes its deadline watch.
      bindTable(fn, table, ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'ConditionCheckItem', 'Query']);
      bindTable(fn, idempotencyTable, ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'], {
        envName: 'IDEMPOTENCY_TABLE_NAME',
      });
      bindStateMachine(fn, stateMachine);
      // Model, seconds and size are checked against it; the video is priced and routed by it.
      bindCatalogue(fn, catalogueJson);
    },
    // An image_url is fetched within 8 s (shared/net/ssrf-guard.ts) and an upload read whole: up to 50 MiB in memory.
    memorySize: 1024,
    timeout: Duration.seconds(15),
  },
  'create-upload': {
    bind: (fn, { table, bucket }) => {
      // Presigned PUTs are signed with this role's credentials: it needs PutObject on uploads/ itself.
      bindBucket(fn, bucket, ['PutObject'], UPLOAD_KEY_PREFIX);
      // UpdateItem: the per-user count of upload URLs in a minute (UPLOADS_PER_MINUTE, default in code).
      bindTable(fn, table, ['UpdateItem']);
    },
  },
  'get-video': {
    bind: (fn, { table, provider }) => {
      // GetItem: the video, the gate's items; UpdateItem: the progress read's claim and mirror; PutItem: the gate's
      // request tokens (a waiting video's progress is read from the provider behind the admission gate).
      bindTable(fn, table, ['GetItem', 'PutItem', 'UpdateItem']);
      bindProvider(fn, provider);
    },
  },
  'list-videos': {
    bind: (fn, { table }) => bindTable(fn, table, ['Query'], { queryIndexes: [TABLE_INDEXES.byUser] }),
  },
  'get-video-content': {
    bind: (fn, { table, bucket }) => {
      bindTable(fn, table, ['GetItem']);
      // Presigned GETs are signed with this role's credentials: it needs GetObject itself.
      bindBucket(fn, bucket, ['GetObject']);
    },
  },
  'get-openapi': { bind: () => {} },
  'list-models': { bind: (fn, { catalogueJson }) => bindCatalogue(fn, catalogueJson) },
  'get-model': { bind: (fn, { catalogueJson }) => bindCatalogue(fn, catalogueJson) },
  'remix-video': VIDEO_FROM_VIDEO,
  'edit-video': VIDEO_FROM_VIDEO,
  'extend-video': VIDEO_FROM_VIDEO,
  'video-characters': { bind: () => {} },
  'cancel-video': {
    bind: (fn, { table, stateMachine, provider }) => {
      // The release transaction updates the video, the month's usage and the active count, and puts a provider-cost
      // entry when the provider had already finished (and billed) the job; it removes the deadline watch. UpdateItem
      // also takes a video waiting for a job slot out of the admission gate's line (named after the provider's host;
      // leaving the line reads none of the gate's limits).
      bindTable(fn, table, ['GetItem', 'UpdateItem', 'PutItem', 'DeleteItem']);
      bindStateMachineExecutions(fn, stateMachine, ['StopExecution']);
      bindProviderGate(fn, { ...provider, limits: undefined });
    },
  },
  'delete-video': {
    bind: (fn, { table, idempotencyTable, bucket }) => {
      // PutItem: the work item that has the reconciler delete the provider's copy of the job.
      bindTable(fn, table, ['GetItem', 'UpdateItem', 'PutItem']);
      bindBucket(fn, bucket, ['DeleteObject']);
      // The Powertools record holding the answer of the Idempotency-Key that made the video (prompt included).
      bindTable(fn, idempotencyTable, ['DeleteItem'], { envName: 'IDEMPOTENCY_TABLE_NAME' });
    },
  },
  'list-admin-videos': {
    // Query: a user's videos (gsi1) or one status across users (gsi3, keys only); BatchGetItem: the items of gsi3's keys.
    bind: (fn, { table }) =>
      bindTable(fn, table, ['Query', 'BatchGetItem'], { queryIndexes: [TABLE_INDEXES.byUser, TABLE_INDEXES.byStatus] }),
  },
  'get-video-execution': {
    bind: (fn, { table, stateMachine }) => {
      bindTable(fn, table, ['GetItem']);
      bindStateMachineExecutions(fn, stateMachine, ['DescribeExecution', 'GetExecutionHistory']);
    },
  },
  'redrive-video': {
    bind: (fn, { table, stateMachine }) => {
      // GetItem: the video; PutItem: the audit record of the redrive.
      bindTable(fn, table, ['GetItem', 'PutItem']);
      bindStateMachineExecutions(fn, stateMachine, ['DescribeExecution', 'GetExecutionHistory', 'RedriveExecution']);
    },
  },
  // Webhook endpoints live in their user's partition (GetItem/Query there), deliveries in the endpoint's.
  // The endpoint and its user's endpoint count in one transaction (the cap); GetItem/Query count older endpoints once.
  'create-webhook-endpoint': {
    bind: (fn, { table }) => bindTable(fn, table, ['GetItem', 'Query', 'PutItem', 'UpdateItem']),
  },
  'list-webhook-endpoints': { bind: (fn, { table }) => bindTable(fn, table, ['Query']) },
  'get-webhook-endpoint': { bind: (fn, { table }) => bindTable(fn, table, ['GetItem']) },
  'delete-webhook-endpoint': {
    bind: (fn, { table }) => bindTable(fn, table, ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem']),
  },
  'rotate-webhook-secret': { bind: (fn, { table }) => bindTable(fn, table, ['GetItem', 'UpdateItem']) },
  'list-webhook-deliveries': { bind: (fn, { table }) => bindTable(fn, table, ['GetItem', 'Query']) },
  'receive-provider-webhook': {
    bind: (fn, { table, provider, stateMachine }) => {
      // GetItem: the job's claim, its video, its task token; PutItem: the event (and a token put back when a send
      // failed); DeleteItem: taking the token; UpdateItem: the job of a held cancel that never got its create's answer.
      bindTable(fn, table, ['GetItem', 'PutItem', 'DeleteItem', 'UpdateItem']);
      bindProvider(fn, provider);
      // SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat on the pipeline's tasks.
      stateMachine.grantTaskResponse(fn);
    },
    // The provider's answer (PROVIDER_TIMEOUT_MS) bounds the read of the job; the provider retries a late answer.
    timeout: Duration.seconds(15),
  },
} satisfies Record<string, RouteFunctionSpec>;

export type RouteFunctionFolder = keyof typeof ROUTE_FUNCTIONS;

export interface RouteSpec {
  readonly method: HttpMethod;
  /** API Gateway path, e.g. `/v1/videos/{id}`. */
  readonly path: string;
  readonly folder: RouteFunctionFolder;
  /**
   * Served without the JWT authorizer.
   * @default false
   */
  readonly public?: boolean;
}

/** Every route of the HTTP API. */
export const ROUTES: readonly RouteSpec[] = [
  { method: HttpMethod.GET, path: '/v1/health', folder: 'get-health', public: true },
  { method: HttpMethod.GET, path: '/v1/usage', folder: 'get-usage' },
  { method: HttpMethod.GET, path: '/v1/admin/costs', folder: 'get-costs' },
  { method: HttpMethod.GET, path: '/v1/admin/users/{userId}/limits', folder: 'get-user-limits' },
  { method: HttpMethod.PUT, path: '/v1/admin/users/{userId}/limits', folder: 'put-user-limits' },
  { method: HttpMethod.DELETE, path: '/v1/admin/users/{userId}', folder: 'erase-user' },
  { method: HttpMethod.GET, path: '/v1/admin/audit', folder: 'get-audit' },
  { method: HttpMethod.GET, path: '/v1/admin/videos', folder: 'list-admin-videos' },
  { method: HttpMethod.GET, path: '/v1/admin/videos/{id}/execution', folder: 'get-video-execution' },
  { method: HttpMethod.POST, path: '/v1/admin/videos/{id}/redrive', folder: 'redrive-video' },
  { method: HttpMethod.POST, path: '/v1/videos', folder: 'create-video' },
  { method: HttpMethod.GET, path: '/v1/videos', folder: 'list-videos' },
  { method: HttpMethod.GET, path: '/v1/videos/{id}', folder: 'get-video' },
  { method: HttpMethod.GET, path: '/v1/videos/{id}/content', folder: 'get-video-content' },
  { method: HttpMethod.GET, path: '/v1/openapi.json', folder: 'get-openapi', public: true },
  { method: HttpMethod.GET, path: '/v1/models', folder: 'list-models' },
  { method: HttpMethod.GET, path: '/v1/models/{id}', folder: 'get-model' },
  { method: HttpMethod.POST, path: '/v1/videos/{id}/remix', folder: 'remix-video' },
  { method: HttpMethod.POST, path: '/v1/videos/edits', folder: 'edit-video' },
  { method: HttpMethod.POST, path: '/v1/videos/extensions', folder: 'extend-video' },
  { method: HttpMethod.POST, path: '/v1/videos/characters', folder: 'video-characters' },
  { method: HttpMethod.GET, path: '/v1/videos/characters/{id}', folder: 'video-characters' },
  { method: HttpMethod.POST, path: '/v1/videos/{id}/cancel', folder: 'cancel-video' },
  { method: HttpMethod.DELETE, path: '/v1/videos/{id}', folder: 'delete-video' },
  { method: HttpMethod.POST, path: '/v1/uploads', folder: 'create-upload' },
  { method: HttpMethod.POST, path: '/v1/webhook_endpoints', folder: 'create-webhook-endpoint' },
  { method: HttpMethod.GET, path: '/v1/webhook_endpoints', folder: 'list-webhook-endpoints' },
  { method: HttpMethod.GET, path: '/v1/webhook_endpoints/{id}', folder: 'get-webhook-endpoint' },
  { method: HttpMethod.DELETE, path: '/v1/webhook_endpoints/{id}', folder: 'delete-webhook-endpoint' },
  { method: HttpMethod.POST, path: '/v1/webhook_endpoints/{id}/rotate_secret', folder: 'rotate-webhook-secret' },
  { method: HttpMethod.GET, path: '/v1/webhook_endpoints/{id}/deliveries', folder: 'list-webhook-deliveries' },
  // Signed by the provider (Standard Webhooks), not by a user: no JWT.
  { method: HttpMethod.POST, path: '/v1/provider/webhooks', folder: 'receive-provider-webhook', public: true },
];

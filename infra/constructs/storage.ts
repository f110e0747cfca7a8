import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { TABLE_TTL_ATTRIBUTE } from '../../shared/table-ttl';
import {
  CONTENT_STATE_TAG,
  CONTENT_STATES,
  PENDING_CONTENT_EXPIRY_DAYS,
  UPLOAD_KEY_PREFIX,
  VIDEO_KEY_PREFIX,
} from '../../shared/video/object-keys';

/** Names of the main table's global secondary indexes (the key design: docs/ARCHITECTURE.md). */
export const TABLE_INDEXES = {
  /** `USER#{userId}` / `VIDEO#{videoId}`: a user's videos, newest first. */
  byUser: 'gsi1',
  /** `USAGE#{YYYY-MM}` / `USER#{userId}`: every user's usage in a month. */
  byMonth: 'gsi2',
  /** `status` / `videoId` of video items: every user's videos in one status, newest first (operators). */
  byStatus: 'gsi3',
} as const;

/**
 * Everything reelflow keeps: the videos bucket, the single table (videos, usage, ledger, limits)
 * and the Powertools idempotency table. All retained when the stack is deleted.
 */
export class Storage extends Construct {
  /** Private bucket holding `videos/{userId}/{videoId}/video.mp4` and its variants. */
  public readonly bucket: s3.Bucket;
  /** The single table: keys `pk`/`sk`, GSIs `gsi1`, `gsi2` and `gsi3`. */
  public readonly table: dynamodb.Table;
  /** Powertools idempotency records (partition key `id`, TTL attribute `expiration`). */
  public readonly idempotencyTable: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.bucket = new s3.Bucket(this, 'Videos', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      lifecycleRules: [
        // A store-video run that dies mid-upload leaves parts behind; they cost money and are never completed.
        { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        // Objects of videos that never completed (failed or cancelled after storing, or left by a crash): the
        // pipeline writes every object tagged pending and re-tags it once its video completes
        // (shared/video/object-keys.ts).
        {
          id: 'expire-content-of-no-completed-video',
          prefix: VIDEO_KEY_PREFIX,
          tagFilters: { [CONTENT_STATE_TAG]: CONTENT_STATES.pending },
          expiration: Duration.days(PENDING_CONTENT_EXPIRY_DAYS),
        },
        // POST /v1/uploads images can be used for 24 hours (checked on use); then they go.
        { id: 'expire-uploads', prefix: UPLOAD_KEY_PREFIX, expiration: Duration.days(2) },
      ],
      // The web console fetches thumbnails and downloads with its token, then follows the API's 302 to a presigned
      // URL here, cross-origin: reads need CORS. Any origin: the presigned URL is itself the credential, and the
      // console's CloudFront origin lives in the stateless stack, which this stack cannot reference.
      cors: [
        {
          allowedMethods: [s3.HttpMethods.GET, s3.HttpMethods.HEAD],
          allowedOrigins: ['*'],
          allowedHeaders: ['*'],
          exposedHeaders: ['content-length', 'content-type', 'etag'],
          maxAge: 3600,
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    NagSuppressions.addResourceSuppressions(this.bucket, [
      {
        id: 'AwsSolutions-S1',
        reason:
          'Objects are only read through short-lived presigned URLs issued by get-video-content, which logs each issue ' +
          'with the user and video id; S3 data events can be added through CloudTrail per deployment.',
      },
    ]);

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      // Day counters, Idempotency-Key claims and left-behind work items expire (shared/table-ttl.ts); nothing else
      // carries the attribute, so videos and cost records stay.
      timeToLiveAttribute: TABLE_TTL_ATTRIBUTE,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: TABLE_INDEXES.byUser,
      partitionKey: { name: 'gsi1pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'gsi1sk', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: TABLE_INDEXES.byMonth,
      partitionKey: { name: 'gsi2pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'gsi2sk', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });

    // Keyed on the video's own attributes, so every write of a status keeps the index right without writing index
    // keys. Six statuses make six partitions: each takes 1,000 writes/s, far above the status changes the provider's
    // concurrency allows. Keys only: progress updates (which rewrite the item, not its status) cost the index nothing;
    // the listing reads the items themselves.
    this.table.addGlobalSecondaryIndex({
      indexName: TABLE_INDEXES.byStatus,
      partitionKey: { name: 'status', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'videoId', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.KEYS_ONLY,
    });

    this.idempotencyTable = new dynamodb.Table(this, 'IdempotencyTable', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'expiration',
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    NagSuppressions.addResourceSuppressions(this.idempotencyTable, [
      {
        id: 'AwsSolutions-DDB3',
        reason:
          'Idempotency records expire within 24 hours (TTL); restoring them from a backup would replay stale ' +
          'request outcomes, so point-in-time recovery is deliberately off for this table.',
      },
    ]);
  }
}

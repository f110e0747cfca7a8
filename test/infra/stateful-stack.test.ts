import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { StatefulStack } from '../../infra/stacks/stateful-stack';
import { DEADLINE_WATCH_MARGIN_SECONDS, maxPipelineSeconds } from '../../shared/pipeline/duration';
import { PENDING_CONTENT_EXPIRY_DAYS } from '../../shared/video/object-keys';

function statefulTemplate(): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return Template.fromStack(new StatefulStack(app, 'ReelflowStateful'));
}

describe('StatefulStack', () => {
  const template = statefulTemplate();

  it('creates one private, encrypted, retained bucket that aborts incomplete multipart uploads after a day', () => {
    template.resourceCountIs('AWS::S3::Bucket', 1);
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            Match.objectLike({ Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
          ]),
        },
      },
    });
  });

  it('lets browsers read (GET, HEAD) through presigned URLs cross-origin, and nothing else', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      CorsConfiguration: {
        CorsRules: [Match.objectLike({ AllowedMethods: ['GET', 'HEAD'], AllowedOrigins: ['*'] })],
      },
    });
  });

  it('expires objects still tagged pending (no completed video) under videos/, long after any execution could end', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          {
            Id: 'expire-content-of-no-completed-video',
            Status: 'Enabled',
            Prefix: 'videos/',
            TagFilters: [{ Key: 'reelflow-state', Value: 'pending' }],
            ExpirationInDays: PENDING_CONTENT_EXPIRY_DAYS,
          },
        ]),
      },
    });
    // A video whose objects are still pending after this long can never complete: its execution has timed out.
    expect(PENDING_CONTENT_EXPIRY_DAYS * 24 * 3600).toBeGreaterThan(
      maxPipelineSeconds() + DEADLINE_WATCH_MARGIN_SECONDS,
    );
    // Under videos/ only the pending rule expires objects: a completed video's objects are never expired (the other
    // expiring rule is scoped to uploads/).
    const rules = (
      Object.values(template.findResources('AWS::S3::Bucket'))[0] as {
        Properties: { LifecycleConfiguration: { Rules: Array<Record<string, unknown>> } };
      }
    ).Properties.LifecycleConfiguration.Rules;
    const expiring = rules.filter((rule) => 'ExpirationInDays' in rule || 'ExpirationDate' in rule);
    expect(expiring.filter((rule) => rule.Prefix !== 'uploads/')).toHaveLength(1);
    expect(expiring.every((rule) => rule.Prefix === 'videos/' || rule.Prefix === 'uploads/')).toBe(true);
  });

  it('denies every request to the bucket that does not use TLS', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('creates the video table on demand with PITR, encryption, TTL on purgeAt, pk/sk keys, gsi1, gsi2 and gsi3, retained', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'purgeAt', Enabled: true },
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        GlobalSecondaryIndexes: [
          {
            IndexName: 'gsi1',
            KeySchema: [
              { AttributeName: 'gsi1pk', KeyType: 'HASH' },
              { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
          {
            IndexName: 'gsi2',
            KeySchema: [
              { AttributeName: 'gsi2pk', KeyType: 'HASH' },
              { AttributeName: 'gsi2sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
          {
            // Every user's videos in one status (operators), on the video's own attributes: keys only.
            IndexName: 'gsi3',
            KeySchema: [
              { AttributeName: 'status', KeyType: 'HASH' },
              { AttributeName: 'videoId', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'KEYS_ONLY' },
          },
        ],
      },
    });
  });

  it('creates the idempotency table keyed by id with TTL on expiration, on demand and retained', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
        SSESpecification: { SSEEnabled: true },
      },
    });
    template.resourceCountIs('AWS::DynamoDB::Table', 2);
  });

  it('gives no resource a physical name', () => {
    const named = [
      ['AWS::S3::Bucket', 'BucketName'],
      ['AWS::DynamoDB::Table', 'TableName'],
      ['AWS::SecretsManager::Secret', 'Name'],
      ['AWS::Cognito::UserPool', 'UserPoolName'],
    ] as const;
    for (const [type, nameProperty] of named) {
      for (const resource of Object.values(template.findResources(type))) {
        expect(resource.Properties?.[nameProperty], `${type}.${nameProperty}`).toBeUndefined();
      }
    }
  });

  it('keeps the provider secret as JSON with a placeholder apiKey and a generated webhookSecret, retained', () => {
    template.hasResource('AWS::SecretsManager::Secret', {
      DeletionPolicy: 'Retain',
      Properties: {
        GenerateSecretString: {
          SecretStringTemplate: Match.serializedJson({ apiKey: Match.stringLikeRegexp('^replace-') }),
          GenerateStringKey: 'webhookSecret',
        },
      },
    });
  });

  it('creates a retained Cognito user pool without self sign-up and a public app client without OAuth', () => {
    template.hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Retain',
      Properties: { AdminCreateUserConfig: { AllowAdminCreateUserOnly: true }, DeletionProtection: 'ACTIVE' },
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      AllowedOAuthFlowsUserPoolClient: false,
      ExplicitAuthFlows: Match.arrayWith(['ALLOW_USER_SRP_AUTH']),
    });
    const groups = Object.values(template.findResources('AWS::Cognito::UserPoolGroup'));
    expect(groups.map((group) => group.Properties.GroupName).sort()).toEqual(['finance', 'operators']);
  });
});

import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { Auth } from '../constructs/auth';
import { ProviderSecret } from '../constructs/provider-secret';
import { Storage } from '../constructs/storage';

/**
 * What must survive a redeploy: data, credentials and identities. Every resource here is retained;
 * the stateless stack can be destroyed and recreated freely.
 */
export class StatefulStack extends Stack {
  public readonly bucket: s3.Bucket;
  public readonly table: dynamodb.Table;
  public readonly idempotencyTable: dynamodb.Table;
  public readonly providerSecret: secretsmanager.Secret;
  public readonly userPool: cognito.UserPool;
  public readonly userPoolClient: cognito.UserPoolClient;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const storage = new Storage(this, 'Storage');
    const auth = new Auth(this, 'Auth');
    this.bucket = storage.bucket;
    this.table = storage.table;
    this.idempotencyTable = storage.idempotencyTable;
    this.providerSecret = new ProviderSecret(this, 'Provider').secret;
    this.userPool = auth.userPool;
    this.userPoolClient = auth.userPoolClient;

    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.userPoolClient.userPoolClientId });
    new CfnOutput(this, 'ProviderSecretArn', { value: this.providerSecret.secretArn });
  }
}

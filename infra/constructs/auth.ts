import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';

/**
 * Role groups, read by the API from the access token's `cognito:groups` claim: `finance` may read every user's costs
 * and set limits.
 */
export const USER_GROUPS = ['finance', 'operators'] as const;

/**
 * The identity provider of the HTTP API: a Cognito user pool (retained) and one public app client whose
 * access tokens the API's JWT authorizer accepts (audience = the client id).
 */
export class Auth extends Construct {
  public readonly userPool: cognito.UserPool;
  public readonly userPoolClient: cognito.UserPoolClient;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.userPool = new cognito.UserPool(this, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const group of USER_GROUPS) {
      this.userPool.addGroup(`${group}-group`, { groupName: group, description: `reelflow role "${group}"` });
    }
    this.userPoolClient = this.userPool.addClient('AppClient', {
      generateSecret: false,
      authFlows: { userSrp: true },
      disableOAuth: true,
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      enableTokenRevocation: true,
    });
    NagSuppressions.addResourceSuppressions(this.userPool, [
      {
        id: 'AwsSolutions-COG2',
        reason:
          'End users of the client apps sign in with a strong password; TOTP MFA is offered (optional) and ' +
          'requiring it is a product decision left to each deployment.',
      },
      {
        id: 'AwsSolutions-COG8',
        reason:
          'The Plus feature plan (threat protection) is billed per active user; the API is already behind JWT ' +
          'validation and stage throttling, and a deployment can switch the plan on without code changes.',
      },
      {
        id: 'AwsSolutions-COG3',
        reason:
          'Threat protection (Plus feature plan) is billed per active user; the API is already behind JWT validation ' +
          'and stage throttling, and a deployment can switch the feature plan on without code changes.',
      },
    ]);
  }
}

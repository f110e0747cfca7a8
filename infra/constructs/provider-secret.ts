import { RemovalPolicy } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';

/**
 * The provider's credentials in Secrets Manager, JSON `{"apiKey":"...","webhookSecret":"..."}`.
 * Created with a placeholder API key (an operator puts the real one in after deploying) and a generated
 * webhook secret; retained when the stack is deleted. Functions read it through Powertools Parameters.
 */
export class ProviderSecret extends Construct {
  public readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      description: 'reelflow video provider credentials: JSON {"apiKey","webhookSecret"}; set apiKey after deploying',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ apiKey: 'replace-with-the-provider-api-key' }),
        generateStringKey: 'webhookSecret',
        excludePunctuation: true,
        passwordLength: 48,
      },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    NagSuppressions.addResourceSuppressions(this.secret, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'The API key is issued by the external video provider and can only be rotated in its console; ' +
          'operators rotate it by hand there and update this secret (functions re-read it when their cache expires).',
      },
    ]);
  }
}

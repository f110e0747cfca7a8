import { RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';

/**
 * A state machine's logging: every event, in its own log group (`StateMachineLogs`) kept `retention`, without the
 * execution data, which holds prompts, user ids and webhook events.
 */
export function stateMachineLogs(scope: Construct, retention: logs.RetentionDays): sfn.LogOptions {
  return {
    destination: new logs.LogGroup(scope, 'StateMachineLogs', { retention, removalPolicy: RemovalPolicy.DESTROY }),
    level: sfn.LogLevel.ALL,
    includeExecutionData: false,
  };
}

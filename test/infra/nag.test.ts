import { Aspects, type Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { buildApp, STACK_NAMES } from '../../infra/app';

function nagFindings() {
  const app = buildApp({ context: { 'aws:cdk:bundling-stacks': [] } });
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  return Object.values(STACK_NAMES).map((name) => {
    const annotations = Annotations.fromStack(app.node.findChild(name) as Stack);
    const findings = (found: ReturnType<typeof annotations.findError>) =>
      found.map((message) => `${message.id}: ${String(message.entry.data).split(':')[0]}`);
    return {
      name,
      errors: findings(annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))),
      warnings: findings(annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'))),
    };
  });
}

describe('cdk-nag AwsSolutions', () => {
  const stacks = nagFindings();

  it('returns no unacknowledged error or warning in either stack', () => {
    for (const { name, errors, warnings } of stacks) {
      expect({ name, errors, warnings }).toEqual({ name, errors: [], warnings: [] });
    }
  });

  it('returns findings when a rule is broken, so the check above can fail', () => {
    const app = buildApp({ context: { 'aws:cdk:bundling-stacks': [] } });
    Aspects.of(app).add(new AwsSolutionsChecks());
    const stateless = app.node.findChild(STACK_NAMES.stateless) as Stack;
    // A bare wildcard policy on a new role, acknowledged nowhere.
    const role = new iam.Role(stateless, 'Unacknowledged', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['dynamodb:*'], resources: ['*'] }));
    const errors = Annotations.fromStack(stateless).findError('*', Match.stringLikeRegexp('AwsSolutions-IAM5.*'));
    expect(errors.map((error) => error.id)).toContain('/ReelflowStateless/Unacknowledged/DefaultPolicy/Resource');
  });
});

import type { CfnElement } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { synthesizeApp } from './app-fixture';
import { resolveCfnString } from './asl';

// Only the erasure function may delete objects, list the bucket, delete idempotency records and stop executions:
// the reconciler (reconcile-work-items) calls the provider and writes the table, nothing more.

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON is untyped; the assertions below check its shape.
type Resource = { Type: string; Properties: Record<string, any> };

describe('the grants of erasing, apart from the reconciler', () => {
  const { stateful, stateless, statelessTemplate } = synthesizeApp();
  const resources = statelessTemplate.toJSON().Resources as Record<string, Resource>;
  const idempotencyTableId = stateful.getLogicalId(stateful.idempotencyTable.node.defaultChild as CfnElement);

  /** Every statement of the policies attached to the function's role (inline policies of the role included). */
  const statementsOf = (fn: IFunction): Statement[] => {
    const roleId = stateless.getLogicalId(fn.role!.node.defaultChild as CfnElement);
    const attached = Object.values(resources)
      .filter((resource) => resource.Type === 'AWS::IAM::Policy')
      .filter((policy) => (policy.Properties.Roles as Array<{ Ref: string }>).some((role) => role.Ref === roleId))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
    const inline = (
      (resources[roleId]!.Properties.Policies ?? []) as Array<{ PolicyDocument: { Statement: Statement[] } }>
    ).flatMap((policy) => policy.PolicyDocument.Statement);
    return [...attached, ...inline];
  };
  const actionsOf = (fn: IFunction) =>
    new Set(statementsOf(fn).flatMap((statement) => ([] as string[]).concat(statement.Action)));
  /** The actions granted on the idempotency table. */
  const idempotencyActionsOf = (fn: IFunction) =>
    statementsOf(fn)
      .filter((statement) =>
        ([] as unknown[])
          .concat(statement.Resource)
          .some((resource) => resolveCfnString(resource).includes(idempotencyTableId)),
      )
      .flatMap((statement) => ([] as string[]).concat(statement.Action));

  const reconciler = stateless.reconciler.function;
  const erasure = stateless.erasure.function;

  it('runs the two as separate functions, named for what they do', () => {
    expect(reconciler.folder).toBe('reconcile-work-items');
    expect(erasure.folder).toBe('erase-user-data');
    expect(stateless.getLogicalId(reconciler.node.defaultChild as CfnElement)).toMatch(/^WorkItemReconciler/);
    expect(stateless.getLogicalId(erasure.node.defaultChild as CfnElement)).toMatch(/^UserErasure/);
  });

  it('gives the reconciler no s3:DeleteObject, no s3:ListBucket, no states:StopExecution and nothing on the idempotency table', () => {
    // Act
    const actions = actionsOf(reconciler);

    // Assess: what it does have, so the walk above does read its policy.
    expect(actions).toContain('dynamodb:Query');
    expect(actions).toContain('secretsmanager:GetSecretValue');
    expect([...actions].filter((action) => action.startsWith('s3:'))).toEqual([]);
    expect(actions).not.toContain('s3:DeleteObject');
    expect(actions).not.toContain('states:StopExecution');
    expect([...actions].filter((action) => action.startsWith('states:'))).toEqual([]);
    expect(idempotencyActionsOf(reconciler)).toEqual([]);
  });

  it('gives the erasure function s3:DeleteObject, s3:ListBucket, states:StopExecution and DeleteItem on the idempotency table, and no provider secret', () => {
    // Act
    const actions = actionsOf(erasure);

    // Assess
    expect(actions).toContain('s3:DeleteObject');
    expect(actions).toContain('s3:ListBucket');
    expect(actions).toContain('states:StopExecution');
    expect(idempotencyActionsOf(erasure)).toEqual(['dynamodb:DeleteItem']);
    expect(actions).not.toContain('secretsmanager:GetSecretValue');
  });
});

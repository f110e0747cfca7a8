import { App } from 'aws-cdk-lib';
import { cdkJsonContext, readConfig } from './config';
import { StatefulStack } from './stacks/stateful-stack';
import { StatelessStack } from './stacks/stateless-stack';

/** Stack names (stack ids). */
export const STACK_NAMES = { stateful: 'ReelflowStateful', stateless: 'ReelflowStateless' } as const;

export interface BuildAppProps {
  /** Context on top of cdk.json's (e.g. `{ 'aws:cdk:bundling-stacks': [] }` to skip bundling). */
  context?: Record<string, unknown>;
  /** Cloud assembly directory. @default - the CLI's, or a temp dir */
  outdir?: string;
}

/**
 * Builds the reelflow CDK app: the stateful and stateless stacks, environment-agnostic (no lookups).
 * Context from cdk.json is applied first, then `props.context`, then the CLI's own (`-c`) context.
 * @throws Error when the context is invalid (see infra/config.ts)
 */
export function buildApp(props: BuildAppProps = {}): App {
  const app = new App({
    context: { ...cdkJsonContext(), ...props.context },
    ...(props.outdir === undefined ? {} : { outdir: props.outdir }),
  });
  const config = readConfig(app.node);
  const stateful = new StatefulStack(app, STACK_NAMES.stateful, {
    description: 'reelflow: data, credentials and identities (retained)',
  });
  new StatelessStack(app, STACK_NAMES.stateless, {
    description: 'reelflow: functions, video pipeline, HTTP API, alarms',
    bucket: stateful.bucket,
    table: stateful.table,
    idempotencyTable: stateful.idempotencyTable,
    providerSecret: stateful.providerSecret,
    userPool: stateful.userPool,
    userPoolClient: stateful.userPoolClient,
    providerBaseUrl: config.providerBaseUrl,
    providerLimits: config.providerLimits,
    catalogueJson: config.catalogueJson,
    corsAllowOrigins: config.corsAllowOrigins,
    alarmEmail: config.alarmEmail,
  });
  return app;
}

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp, STACK_NAMES } from '../../infra/app';
import type { StatefulStack } from '../../infra/stacks/stateful-stack';
import type { StatelessStack } from '../../infra/stacks/stateless-stack';

export interface SynthesizedApp {
  app: App;
  stateful: StatefulStack;
  stateless: StatelessStack;
  statefulTemplate: Template;
  statelessTemplate: Template;
}

/** The real app, bundling skipped (as the local stack builds it), synthesized into a temp dir. */
export function synthesizeApp(context: Record<string, unknown> = {}): SynthesizedApp {
  const app = buildApp({
    context: { 'aws:cdk:bundling-stacks': [], ...context },
    outdir: mkdtempSync(join(tmpdir(), 'reelflow-infra-')),
  });
  const stateful = app.node.findChild(STACK_NAMES.stateful) as StatefulStack;
  const stateless = app.node.findChild(STACK_NAMES.stateless) as StatelessStack;
  return {
    app,
    stateful,
    stateless,
    statefulTemplate: Template.fromStack(stateful),
    statelessTemplate: Template.fromStack(stateless),
  };
}

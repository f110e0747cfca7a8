import { LocalTemplate } from './resolve';

/**
 * Synthesizes the real CDK app in-process, with bundling skipped, and returns its templates with local names.
 * The local stack never reads a hand-written copy of the state machine, routes or tables: only this. `context` is
 * added to the app's (e.g. the model catalogue of REELFLOW_CATALOGUE as `reelflow:catalogue`).
 */
export async function synthesizeApp(outdir: string, context: Record<string, unknown> = {}): Promise<LocalTemplate> {
  const { buildApp } = await import('../../infra/app');
  const assembly = buildApp({ context: { 'aws:cdk:bundling-stacks': [], ...context }, outdir }).synth();
  return new LocalTemplate(
    assembly.stacks.map((stack) => ({ stackName: stack.stackName, template: stack.template as never })),
  );
}
